import { hash, verify } from '@node-rs/argon2';

/** Shortest operator password accepted, in characters. */
export const MIN_PASSWORD_LENGTH = 10;

/** Hashes with Argon2id (RFC 9106) using the library's recommended defaults; returns a PHC string. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Constant-time check of `password` against a PHC string from {@link hashPassword}. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

/**
 * Why a password is too weak, or undefined when acceptable: at least {@link MIN_PASSWORD_LENGTH}
 * characters and not one repeated character (NIST SP 800-63B §5.1.1.2 favours length over composition rules).
 */
export function passwordWeakness(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (new Set(password).size < 4) return 'must not be made of so few distinct characters';
  return undefined;
}
