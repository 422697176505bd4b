/**
 * `cacheplan/request`: one request, checked and marked by hand. `validateRequest` is the check
 * `plan()` makes of every request (the reason a request is rejected); `applyMarkers` and
 * `removeMarkers` place or take off `cache_control` markers at labelled blocks, as the planner
 * does (`PlannedBreakpoint.label`).
 */
// Held back: `segmentRequest` and `ContextInterner` (the planner's segmentation, which shares
// one interner across a job); `depthBeyond`, `MAX_JSON_DEPTH` (the nesting check
// `validateRequest` makes).
export {
  applyMarkers,
  cacheControl,
  type MarkerPlacement,
  removeMarkers,
} from "../request/markers.js";
export { type ValidateOptions, type Validation, validateRequest } from "../request/validate.js";
