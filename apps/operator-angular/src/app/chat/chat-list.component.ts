import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatListModule } from '@angular/material/list';
import { RouterLink, RouterLinkActive } from '@angular/router';
import { ActiveChatsStore } from './active-chats.store';

/** The operator's chats in the side panel, each with its unread count and last message. */
@Component({
  selector: 'parley-chat-list',
  imports: [MatListModule, RouterLink, RouterLinkActive],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section aria-labelledby="chats-heading">
      <h2 id="chats-heading" class="section-title">
        My chats <span class="count">{{ store.chats().length }}</span>
      </h2>
      @if (store.loadError(); as error) {
        <p class="note" role="status">Could not load your chats: {{ error }}</p>
      }
      @if (store.chats().length === 0) {
        <p class="note">Accepted chats appear here.</p>
      } @else {
        <mat-nav-list aria-label="My chats">
          @for (chat of store.chats(); track chat.id) {
            <a
              mat-list-item
              [routerLink]="['/chats', chat.id]"
              routerLinkActive
              #active="routerLinkActive"
              [activated]="active.isActive"
              [attr.aria-current]="active.isActive ? 'page' : null"
              data-testid="chat-list-item"
              [attr.data-session-id]="chat.id"
            >
              <span matListItemTitle class="title">
                <span class="name">{{ chat.visitorName() }}</span>
                @if (chat.closed()) {
                  <!-- The space keeps the word apart from the name in the text (screen readers, copy): the flex gap is only visual. -->
                  <span class="closed" data-testid="chat-closed-badge">&ngsp;closed</span>
                }
              </span>
              <span matListItemLine class="last">
                @if (chat.visitorTyping()) {
                  <em>typing…</em>
                } @else {
                  {{ chat.lastMessage()?.content ?? '' }}
                }
              </span>
              @if (chat.unread() > 0) {
                <span matListItemMeta class="meta"><span class="unread" data-testid="chat-unread" [attr.aria-label]="chat.unread() + ' unread'">{{ chat.unread() }}</span></span>
              }
            </a>
          }
        </mat-nav-list>
      }
    </section>
  `,
  styles: `
    .section-title { display: flex; align-items: center; gap: 8px; margin: 8px 16px 4px; font: var(--mat-sys-title-small); }
    .count { min-width: 20px; padding: 0 6px; border-radius: var(--mat-sys-corner-full); background: var(--mat-sys-secondary-container); color: var(--mat-sys-on-secondary-container); text-align: center; font: var(--mat-sys-label-medium); line-height: 20px; }
    .note { margin: 4px 16px; font: var(--mat-sys-body-medium); color: var(--mat-sys-on-surface-variant); }
    .title { display: flex; gap: 8px; align-items: baseline; }
    .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .closed { font: var(--mat-sys-label-small); color: var(--mat-sys-on-surface-variant); text-transform: uppercase; }
    .meta { align-self: center; }
    .unread { display: inline-block; min-width: 22px; padding: 0 6px; border-radius: var(--mat-sys-corner-full); background: var(--mat-sys-error); color: var(--mat-sys-on-error); font: var(--mat-sys-label-medium); line-height: 22px; text-align: center; }
  `,
})
export class ChatListComponent {
  protected readonly store = inject(ActiveChatsStore);
}
