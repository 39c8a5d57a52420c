// A refused configuration: every refused setting, each with the variable and what is allowed.
// The CLI ends with exit 78 (EX_CONFIG) on it, before anything is started or written.

/** One refused setting: the variable and what is wrong, never the secret itself. */
export interface Problem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  /** The first refused variable (all of them are in `problems`). */
  readonly variable: string;
  readonly problems: readonly Problem[];

  constructor(variable: string, message: string);
  constructor(problems: readonly Problem[]);
  constructor(first: string | readonly Problem[], message = '') {
    const problems = typeof first === 'string' ? [{ variable: first, message }] : first;
    const lines = problems.map((p) => `${p.variable}: ${p.message}`);
    super(lines.length === 1 ? (lines[0] ?? '') : `${lines.length} settings are refused:\n  ${lines.join('\n  ')}`);
    this.name = 'ConfigError';
    this.variable = problems[0]?.variable ?? '';
    this.problems = problems;
  }
}
