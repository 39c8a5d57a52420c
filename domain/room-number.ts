// Room numbers: 8 digits, no leading zero, the last a Luhn check digit, drawn at random so
// rooms cannot be guessed from each other. A mistyped number fails the check before any lookup.
import { randomInt } from 'node:crypto';

export const ROOM_NUMBER_LENGTH = 8;

export function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidRoomNumber(s: string): boolean {
  if (!/^[1-9]\d{7}$/.test(s)) return false;
  return luhnCheckDigit(s.slice(0, -1)) === Number(s.slice(-1));
}

export function randomRoomNumber(): string {
  const body = String(randomInt(1_000_000, 10_000_000)); // 7 digits, no leading zero
  return body + String(luhnCheckDigit(body));
}
