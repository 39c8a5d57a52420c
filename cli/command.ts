// The shape of a CLI command. Every command takes --json (one JSON document on stdout);
// errors go to stderr with a non-zero exit and a message that says what to do.
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export interface Command {
  /** e.g. ['numbers', 'subscribe'] */
  path: string[];
  /** One line for the command list. */
  summary: string;
  /** Usage line after `tollbridge`, e.g. 'numbers subscribe E164 --account ACCOUNT'. */
  usage: string;
  /** One line per option, shown by COMMAND --help. */
  optionHelp: string[];
  options: OptionSpec;
  run(args: ParsedArgs, io: CommandIO): Promise<number | void>;
}

export interface CommandIO {
  json: boolean;
  /** Prints a result: the document as JSON with --json, else the human text. */
  result(document: unknown, human: string): void;
  stderr(text: string): void;
}

/** A mistake in how the command was called: exit 64 (EX_USAGE) with the usage line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
