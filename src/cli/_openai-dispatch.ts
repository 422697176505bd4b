/**
 * Routes a command to its OpenAI Batch API path when the command line is for the OpenAI target
 * (internal): `plan` (by `--target openai` or the input's first line), and the others as they gain
 * an OpenAI path. The command's own module runs otherwise, unchanged.
 */
import type { CommandModule } from "./_commands.js";

/** `argv` without `--target anthropic` (or `--target=anthropic`). */
export function withoutAnthropicTarget(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (t === "--target=anthropic") continue;
    if (t === "--target" && argv[i + 1] === "anthropic") {
      i += 1;
      continue;
    }
    out.push(t);
  }
  return out;
}

/** `core` with an OpenAI path in front of it: `isOpenAI` decides, `openai` runs it. */
export function withOpenAI(
  core: CommandModule,
  extraArgs: CommandModule["args"],
  isOpenAI: (argv: string[], cwd: string) => Promise<boolean>,
  openai: CommandModule["run"],
): CommandModule {
  // The command's own definitions win (another target may define `--target` there too).
  const args = { ...core.args };
  for (const [name, def] of Object.entries(extraArgs)) if (!(name in args)) args[name] = def;
  return {
    args,
    run: async (argv, io) => {
      if (await isOpenAI(argv, io.cwd)) return openai(argv, io);
      // `--target anthropic` is the default; a command that has no `--target` of its own runs without it.
      return core.run("target" in core.args ? argv : withoutAnthropicTarget(argv), io);
    },
  };
}

/** The `plan` command with its OpenAI path. */
export async function planCommand(): Promise<CommandModule> {
  const [core, openai] = await Promise.all([import("./commands/plan.js"), import("./_openai.js")]);
  return withOpenAI(
    core,
    {
      target: openai.openaiPlanArgs.target,
      "max-enqueued-tokens": openai.openaiPlanArgs["max-enqueued-tokens"],
    },
    openai.isOpenAIPlan,
    openai.runOpenAIPlan,
  );
}

/** The `estimate` command with its OpenAI path (a plan folder of target openai, or OpenAI lines). */
export async function estimateCommand(): Promise<CommandModule> {
  const [core, openai] = await Promise.all([
    import("./commands/estimate.js"),
    import("./_openai-estimate.js"),
  ]);
  return withOpenAI(
    core,
    { target: openai.openaiEstimateArgs.target },
    openai.isOpenAIEstimate,
    openai.runOpenAIEstimate,
  );
}

/** The `emulate` command with its OpenAI API (`--target openai`). */
export async function emulateCommand(): Promise<CommandModule> {
  const [core, openai] = await Promise.all([
    import("./commands/emulate.js"),
    import("./_openai-emulate.js"),
  ]);
  return withOpenAI(
    core,
    { target: openai.openaiEmulateArgs.target, concurrency: openai.openaiEmulateArgs.concurrency },
    openai.isOpenAIEmulate,
    openai.runOpenAIEmulate,
  );
}

/** The `report` command with its OpenAI path (a plan folder of target openai). */
export async function reportCommand(): Promise<CommandModule> {
  const [core, openai] = await Promise.all([
    import("./commands/report.js"),
    import("./_openai-report.js"),
  ]);
  return withOpenAI(core, {}, openai.isOpenAIReport, openai.runOpenAIReport);
}

/** The `demo` command with its OpenAI pipeline (`--target openai`). */
export async function demoCommand(): Promise<CommandModule> {
  const [core, openai] = await Promise.all([
    import("./commands/demo.js"),
    import("./_openai-demo.js"),
  ]);
  return withOpenAI(
    core,
    { target: openai.openaiDemoArgs.target },
    openai.isOpenAIDemo,
    openai.runOpenAIDemo,
  );
}

/** The `retry` command with its OpenAI path (a plan folder of target openai). */
export async function retryCommand(): Promise<CommandModule> {
  const [core, openai] = await Promise.all([
    import("./commands/retry.js"),
    import("./_openai-retry.js"),
  ]);
  return withOpenAI(core, {}, openai.isOpenAIRetry, openai.runOpenAIRetry);
}
