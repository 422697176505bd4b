/**
 * Problems with the results given to `report()`: lines that cannot be used, results that do not
 * belong to the plan, planned requests without a result. A discriminated union on `kind` with a
 * total text table (STYLE item 7): a new kind without a title fails to compile.
 */

/** Most examples kept per problem (the count is always exact). */
export const MAX_PROBLEM_EXAMPLES = 5;

/** Where a result line is: its file (when known) and 1-based line (or position in the input). */
export interface ResultLocation {
  /** The file it came from, when known. */
  source?: string;
  /** 1-based line in the file, or 1-based position in the input iterable. */
  line: number;
}

/** One line that shows a problem. */
export interface ProblemExample extends ResultLocation {
  /** The line's `custom_id`, when it has one. */
  customId?: string;
  /** What is wrong with it, when there is more to say. */
  detail?: string;
}

/** Something wrong with the results; the report is partial while there is one. */
export type ReportProblem =
  | {
      /** A line is not valid JSON: usually a truncated download. */
      kind: "invalid-line";
      /** Lines with the problem. */
      count: number;
      /** The first few. */
      examples: ProblemExample[];
    }
  | {
      /** A line is JSON but not a batch result `{custom_id, result: {type, …}}`. */
      kind: "invalid-result";
      count: number;
      examples: ProblemExample[];
    }
  | {
      /** A `custom_id` has more than one result line; only the first is counted. */
      kind: "duplicate-custom-id";
      count: number;
      /** `detail` says where the first one was. */
      examples: ProblemExample[];
    }
  | {
      /** A result's `custom_id` is not in the plan; the line is not counted. */
      kind: "unknown-custom-id";
      count: number;
      examples: ProblemExample[];
    }
  | {
      /** Most `custom_id`s of one file are not in the plan: the results of another plan. */
      kind: "foreign-results";
      /** The file (or `"input"` for an iterable). */
      source: string;
      /** Its lines whose `custom_id` is not in the plan (not counted). */
      unknown: number;
      /** Its lines with a `custom_id`. */
      lines: number;
    }
  | {
      /** Planned requests with no result line. */
      kind: "missing-results";
      count: number;
      /** The first few `custom_id`s. */
      customIds: string[];
    }
  | {
      /** A succeeded result's model has no price in the table; its USD is left out. */
      kind: "unknown-model";
      /** The model id. */
      model: string;
      /** Succeeded results of that model. */
      requests: number;
    };

/** The kinds of {@link ReportProblem}. */
export type ReportProblemKind = ReportProblem["kind"];

/** Text of a problem kind. */
export interface ReportProblemInfo {
  /** A short title. */
  title: string;
  /** What it means and what to do. */
  description: string;
}

/** Title and description of every problem kind. */
export const reportProblemInfo: Readonly<Record<ReportProblemKind, ReportProblemInfo>> = {
  "invalid-line": {
    title: "Line is not valid JSON",
    description:
      "A results line could not be parsed, most often because a download was cut short. Download the batch's results again.",
  },
  "invalid-result": {
    title: "Line is not a batch result",
    description:
      "A line is JSON but not `{custom_id, result: {type, …}}` as the Batches API returns it (a `succeeded` result needs `message.usage`). Pass the results files, not the request files.",
  },
  "duplicate-custom-id": {
    title: "Duplicated custom_id",
    description:
      "Each request has exactly one result; a second line for the same `custom_id` usually means a results file was passed twice. Only the first is counted.",
  },
  "unknown-custom-id": {
    title: "custom_id not in the plan",
    description:
      "A result belongs to no request of the plan, so it is not counted. Pass the plan these results came from.",
  },
  "foreign-results": {
    title: "Results of another plan",
    description:
      "Most `custom_id`s of a file are not in the plan: the file belongs to another job. Pass that job's plan folder, or leave the file out.",
  },
  "missing-results": {
    title: "Planned requests without a result",
    description:
      "Some planned requests have no result line: a batch's results were not passed, or the job is not finished. Pass every results file (a folder works), or `--allow-partial` to report on what there is.",
  },
  "unknown-model": {
    title: "No prices for a model",
    description:
      "A result's model is not in the model table, so its USD cannot be computed and is left out of every total. Supply its prices with `--models file.json` (`models: createModelTable({...})`).",
  },
};

function where(e: ResultLocation): string {
  return e.source === undefined ? `input line ${e.line}` : `\`${e.source}\` line ${e.line}`;
}

function more(count: number, shown: number): string {
  return count > shown ? ` (and ${count - shown} more)` : "";
}

/**
 * A problem as lines of text for a person: what failed, where (file and line), and what to do.
 */
export function formatProblem(problem: ReportProblem): string[] {
  const info = reportProblemInfo[problem.kind];
  switch (problem.kind) {
    case "invalid-line":
      return [
        `${problem.count} line${problem.count === 1 ? " is" : "s are"} not valid JSON${more(problem.count, problem.examples.length)}; download the results again:`,
        ...problem.examples.map((e) => `${where(e)}: ${e.detail ?? "not valid JSON"}`),
      ];
    case "invalid-result":
      return [
        `${problem.count} line${problem.count === 1 ? " is" : "s are"} not a batch result${more(problem.count, problem.examples.length)}:`,
        ...problem.examples.map((e) => `${where(e)}: ${e.detail ?? info.title}`),
      ];
    case "duplicate-custom-id":
      return [
        `${problem.count} result${problem.count === 1 ? " repeats" : "s repeat"} a custom_id${more(problem.count, problem.examples.length)}; only the first is counted (a file passed twice?):`,
        ...problem.examples.map(
          (e) => `${where(e)}: custom_id "${e.customId}" ${e.detail ?? "appeared before"}`,
        ),
      ];
    case "unknown-custom-id":
      return [
        `${problem.count} result${problem.count === 1 ? " has a custom_id" : "s have custom_ids"} not in the plan${more(problem.count, problem.examples.length)}; not counted:`,
        ...problem.examples.map((e) => `${where(e)}: custom_id "${e.customId}" is not in the plan`),
      ];
    case "foreign-results":
      return [
        `\`${problem.source}\`: ${problem.unknown} of ${problem.lines} custom_ids are not in this plan, so these look like the results of another plan. Pass that plan's folder, or leave the file out.`,
      ];
    case "missing-results":
      return [
        `${problem.count} planned request${problem.count === 1 ? " has" : "s have"} no result: ${problem.customIds.join(", ")}${more(problem.count, problem.customIds.length)}. Pass every results file of the job (a folder works).`,
      ];
    case "unknown-model":
      return [
        `No prices for \`${problem.model}\` (${problem.requests} succeeded request${problem.requests === 1 ? "" : "s"}): their USD is left out of every total. Supply its prices with \`--models file.json\`.`,
      ];
  }
}
