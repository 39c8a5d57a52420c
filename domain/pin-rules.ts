// What PINs may be set: 4 to 8 digits, the two PINs different, the moderator's at least the
// configured length, and none of the PINs a guesser tries first: one digit repeated (0000), a
// shorter block repeated (1212, 123123), or a run up or down by one (1234, 4321, 987654).

export const PIN_MIN_DIGITS = 4;
export const PIN_MAX_DIGITS = 8;

/** Why a PIN is trivial, or null when it is not. */
export function trivialPinReason(pin: string): string | null {
  for (let block = 1; block < pin.length; block++) {
    if (pin.length % block === 0 && pin.slice(0, block).repeat(pin.length / block) === pin) {
      return block === 1 ? 'one digit repeated' : 'a shorter group of digits repeated';
    }
  }
  const steps = new Set<number>();
  for (let i = 1; i < pin.length; i++) steps.add(Number(pin[i]) - Number(pin[i - 1]));
  if (steps.size === 1 && (steps.has(1) || steps.has(-1))) return steps.has(1) ? 'digits counting up' : 'digits counting down';
  return null;
}

/** How many PINs of `digits` digits may be set (the guesser's search space). */
export function allowedPinCount(digits: number): number {
  let trivial = 0;
  // One digit or a shorter block repeated: the strings whose smallest period divides the length.
  const periodic = new Set<string>();
  for (let block = 1; block < digits; block++) {
    if (digits % block !== 0) continue;
    for (let v = 0; v < 10 ** block; v++) periodic.add(String(v).padStart(block, '0').repeat(digits / block));
  }
  trivial += periodic.size;
  // Runs up and down by one that are not periodic (every run of 2+ distinct digits).
  trivial += 2 * (10 - digits + 1 > 0 ? 10 - digits + 1 : 0);
  return 10 ** digits - trivial;
}
