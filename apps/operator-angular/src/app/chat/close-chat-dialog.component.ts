import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatChipsModule } from '@angular/material/chips';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MAX_RESOLUTION_LENGTH, normalizeText } from '@parley/shared';
import { toRequestError } from '../core/request-error';

/** What the close dialog needs: who the chat is with, and how to close it. */
export interface CloseChatDialogData {
  visitorName: string;
  /** Closes the chat session with this resolution. @throws RequestError */
  close: (resolution: string) => Promise<void>;
}

/** Resolutions an operator can pick with one click (the text can still be edited). */
export const QUICK_RESOLUTIONS: readonly string[] = ['Question answered', 'Problem solved', 'Visitor left', 'Forwarded to e-mail support', 'Spam'];

/** Closing a chat: a resolution is required; quick choices fill it in. */
@Component({
  selector: 'parley-close-chat-dialog',
  imports: [ReactiveFormsModule, MatDialogModule, MatButtonModule, MatChipsModule, MatFormFieldModule, MatInputModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 mat-dialog-title>Close the chat with <bdi>{{ data.visitorName }}</bdi></h2>
    <form (submit)="$event.preventDefault(); submit()">
      <mat-dialog-content>
        <p class="intro">How was it resolved? The resolution is kept with the chat in the history.</p>
        <mat-chip-listbox aria-label="Quick resolutions" (change)="pick($event.value)" data-testid="quick-resolutions">
          @for (choice of quick; track choice) {
            <mat-chip-option [value]="choice">{{ choice }}</mat-chip-option>
          }
        </mat-chip-listbox>
        <mat-form-field appearance="outline" class="field">
          <mat-label>Resolution</mat-label>
          <textarea matInput [formControl]="resolution" rows="3" required cdkFocusInitial data-testid="resolution-input"></textarea>
          @if (resolution.hasError('required') || resolution.hasError('blank')) {
            <mat-error>A resolution is required</mat-error>
          } @else if (resolution.hasError('too-long')) {
            <mat-error>At most {{ maxLength }} characters</mat-error>
          }
        </mat-form-field>
        @if (error(); as message) {
          <p class="error" role="alert" data-testid="close-error">{{ message }}</p>
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close>Cancel</button>
        <button mat-flat-button type="submit" [disabled]="busy()" data-testid="confirm-close">Close chat</button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    .intro { margin: 0 0 12px; }
    .field { width: 100%; margin-top: 12px; }
    .error { margin: 0; color: var(--mat-sys-error); }
  `,
})
export class CloseChatDialogComponent {
  protected readonly data = inject<CloseChatDialogData>(MAT_DIALOG_DATA);
  private readonly dialogRef = inject<MatDialogRef<CloseChatDialogComponent, boolean>>(MatDialogRef);
  protected readonly quick = QUICK_RESOLUTIONS;
  protected readonly maxLength = MAX_RESOLUTION_LENGTH;
  protected readonly resolution = new FormControl('', {
    nonNullable: true,
    validators: [
      (control) => Validators.required(control),
      (control) => {
        const checked = normalizeText(String(control.value ?? ''), MAX_RESOLUTION_LENGTH);
        return checked.ok ? null : checked.reason === 'empty' ? { blank: true } : { 'too-long': true };
      },
    ],
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected pick(value: unknown): void {
    if (typeof value === 'string') this.resolution.setValue(value);
  }

  protected async submit(): Promise<void> {
    const checked = normalizeText(this.resolution.value, MAX_RESOLUTION_LENGTH);
    if (!checked.ok) {
      this.resolution.markAsTouched();
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.data.close(checked.text);
      this.dialogRef.close(true);
    } catch (error) {
      this.error.set(`Could not close the chat: ${toRequestError(error).message}`);
    } finally {
      this.busy.set(false);
    }
  }
}
