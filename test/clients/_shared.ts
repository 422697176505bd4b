/**
 * What the clients suite shares: a marked prefix long enough to cache (about 6,000 tokens with the
 * tiktoken estimate; `claude-sonnet-4-6` caches from 1,024, reference §2) and a fake key.
 */
import { words } from "../helpers/word-counter.js";

export const MODEL = "claude-sonnet-4-6";

/** Any non-empty key: the emulator accepts it, and it is never a real one. */
export const FAKE_KEY = "sk-ant-test-not-a-real-key";

/** The system prompt both calls share, marked for caching by each client its own way. */
export const PREFIX = `You grade answers. ${words("rubric", 3000)}`;
