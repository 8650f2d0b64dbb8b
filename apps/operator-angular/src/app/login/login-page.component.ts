import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { ActivatedRoute, Router } from '@angular/router';
import { LoginOperatorDocument } from '@parley/graphql';
import { ErrorCode } from '@parley/shared';
import { AuthService } from '../core/auth.service';
import { GraphqlService } from '../core/graphql.service';
import { NotifierService } from '../core/notifier.service';
import { toRequestError } from '../core/request-error';
import { RETURN_URL_PARAM, safeReturnUrl } from '../core/return-url';

/** The words the sign-in page shows for a failed `loginOperator`. */
export function signInFailureMessage(error: unknown): string {
  const failure = toRequestError(error);
  if (failure.network) return 'Cannot reach the Parley server. Check your connection and try again.';
  switch (failure.code ?? '') {
    case ErrorCode.UNAUTHENTICATED:
      return 'Wrong e-mail or password.';
    case ErrorCode.FORBIDDEN:
      return 'This operator account is disabled. Ask an administrator.';
    case ErrorCode.RATE_LIMITED:
      return 'Too many attempts. Wait a minute and try again.';
    case ErrorCode.BAD_USER_INPUT:
      return 'Enter a valid e-mail address and password.';
    default:
      return `Sign-in failed: ${failure.message}`;
  }
}

/**
 * Sign-in with e-mail and password (`loginOperator`); the session then survives reloads until it expires.
 * Then opens the console page the operator asked for (`?returnUrl=`, set by the sign-in guard), if it is
 * one of the console's own (`safeReturnUrl`), else the console's start.
 */
@Component({
  selector: 'parley-login-page',
  imports: [ReactiveFormsModule, MatCardModule, MatFormFieldModule, MatInputModule, MatButtonModule, MatProgressBarModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './login-page.component.html',
  styleUrl: './login-page.component.css',
})
export class LoginPageComponent {
  private readonly graphql = inject(GraphqlService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly notifier = inject(NotifierService);
  protected readonly auth = inject(AuthService);

  protected readonly form = new FormGroup({
    email: new FormControl('', { nonNullable: true, validators: [(c) => Validators.required(c), (c) => Validators.email(c)] }),
    password: new FormControl('', { nonNullable: true, validators: [(c) => Validators.required(c)] }),
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected async submit(): Promise<void> {
    if (this.busy()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    const { email, password } = this.form.getRawValue();
    try {
      const { loginOperator } = await this.graphql.mutate(LoginOperatorDocument, { email: email.trim(), password });
      this.auth.start(loginOperator);
      void this.notifier.ensurePermission();
      await this.router.navigateByUrl(this.router.parseUrl(safeReturnUrl(this.route.snapshot.queryParamMap.get(RETURN_URL_PARAM))));
    } catch (error) {
      this.error.set(signInFailureMessage(error));
      this.form.controls.password.setValue('');
    } finally {
      this.busy.set(false);
    }
  }
}
