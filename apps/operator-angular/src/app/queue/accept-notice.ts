import type { AcceptOutcome } from './queue.store';

/** A snackbar's text and how long it stays (ms). */
export interface AcceptNotice {
  message: string;
  durationMs: number;
}

/**
 * What to tell the operator after an accept (from the queue or from a waiting chat's page) that did not
 * give them the chat, or `null` when it did. Losing the race is a notice, not an error.
 */
export function acceptNotice(outcome: AcceptOutcome): AcceptNotice | null {
  switch (outcome.kind) {
    case 'accepted':
      return null;
    case 'taken':
      return { message: `Another operator already accepted the chat with ${outcome.visitor}.`, durationMs: 6000 };
    case 'gone':
      return { message: `${outcome.visitor} left before the chat was accepted.`, durationMs: 6000 };
    case 'failed':
      return { message: `Could not accept the chat with ${outcome.visitor}: ${outcome.message}`, durationMs: 8000 };
  }
}
