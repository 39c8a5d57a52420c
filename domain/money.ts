// Money is integers: micro-units of the currency (1 unit = 1,000,000 micros; 1 cent = 10,000).
// Rates may be fractions of a cent; amounts are rounded half-up, exactly, with BigInt.
import { InvalidMoney } from './errors.js';

export const MICROS_PER_UNIT = 1_000_000;
export const MICROS_PER_CENT = 10_000;

/** "0.015" -> 15000. Up to 6 decimals; no signs, exponents or floats. */
export function parseMoney(text: string): number {
  const m = /^(\d{1,9})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (m === null) throw new InvalidMoney(`"${text}" is not an amount: use digits with up to 6 decimals, e.g. 0.015`);
  const whole = BigInt(m[1] ?? '0');
  const frac = BigInt((m[2] ?? '').padEnd(6, '0'));
  return Number(whole * 1_000_000n + frac);
}

/** 15000 -> "0.015000"; negative amounts keep their sign. */
export function formatMoney(micros: number, decimals = 6): string {
  const negative = micros < 0;
  const abs = BigInt(Math.abs(micros));
  const whole = abs / 1_000_000n;
  const frac = (abs % 1_000_000n).toString().padStart(6, '0').slice(0, decimals);
  return `${negative ? '-' : ''}${whole.toString()}${decimals > 0 ? '.' + frac : ''}`;
}

/** numerator / denominator rounded half-up (away from zero at .5), exactly. */
export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (d * 2n);
  return negative ? -q : q;
}

/** Rounds micros to whole cents, half-up. */
export function roundToCents(micros: number): number {
  return Number(divideHalfUp(BigInt(micros), BigInt(MICROS_PER_CENT)) * BigInt(MICROS_PER_CENT));
}
