/** One segment to count. */
export interface SegmentCountRequest {
  /** Content hash of the segment: equal hashes are counted once. */
  hash: string;
  /** Model whose tokenizer applies. */
  model: string;
  /** The block (text, tool definition, image, document, ...), without `cache_control`. */
  block: Record<string, unknown>;
}

/**
 * Counts tokens of segments. Implementations memoise by content hash and model family, so a
 * 20k-token system prompt shared by 100,000 requests is counted once.
 */
export interface TokenCounter {
  /** Name shown in plans and estimates, e.g. `"tiktoken-estimate"`. */
  readonly name: string;
  /** Whether the figures are estimates (true) or the API's own counts (false). */
  readonly estimated: boolean;
  /** Token counts, in the order of `segments`. */
  countSegments(segments: readonly SegmentCountRequest[]): Promise<number[]>;
}
