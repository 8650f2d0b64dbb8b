import { DestroyRef, Injectable, inject, signal } from '@angular/core';

/** Tick interval of {@link ClockService.now}, in ms. */
export const CLOCK_TICK_MS = 1000;

/**
 * A shared clock for everything that ticks on screen (waiting times): one timer for the whole console
 * instead of one per row.
 */
@Injectable({ providedIn: 'root' })
export class ClockService {
  private readonly nowSignal = signal(Date.now());
  /** Current time in Unix ms, updated every {@link CLOCK_TICK_MS}. */
  readonly now = this.nowSignal.asReadonly();

  constructor() {
    const timer = setInterval(() => this.nowSignal.set(Date.now()), CLOCK_TICK_MS);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }
}
