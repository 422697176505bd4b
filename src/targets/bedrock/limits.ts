/**
 * Quotas of Bedrock batch inference (other-batch-systems.md §2.3). AWS names them per model in
 * Service Quotas ([D] names); the default values are secondary ([S: STD-AB, CUR-BR, PROMPT-LIB]):
 * read the live ones with `ListServiceQuotas` (ServiceCode `bedrock`) before relying on them.
 */

/**
 * "Minimum number of records per batch inference job": 100 [S: STD-AB, CUR-BR, BAML-3036]; it was
 * ≥ 1,000 in 2024 (LCA-250), so it has changed over time [U].
 */
export const BEDROCK_MIN_RECORDS = 100;
/** "Records per batch inference job": 50,000 [S: CUR-BR, STD-OB]; a fixture shows 100,000 for Sonnet 4.6 [U]. */
export const BEDROCK_MAX_RECORDS = 50_000;
/** "Batch inference input file size": 1 GB per file, "not adjustable" [S: PROMPT-LIB, CUR-BR]. */
export const BEDROCK_MAX_FILE_BYTES = 1_000_000_000;
/**
 * "Batch inference job size": 5 GB for most models [S]. cacheplan writes one input file per job,
 * so the 1 GB file limit binds first.
 */
export const BEDROCK_MAX_JOB_BYTES = 5_000_000_000;
/** "In-progress + submitted jobs per base model": 20 [U: CUR-BR comment]. */
export const BEDROCK_MAX_JOBS_IN_FLIGHT = 20;
/** `max_tokens` bound: the Anthropic body's (§2.1); per-model Bedrock limits are lower [U]. */
export const BEDROCK_MAX_OUTPUT_TOKENS = 300_000;
