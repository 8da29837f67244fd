import { oneEvent, waitUntil as waitUntilWithin } from '@open-wc/testing';
import { sendMouse } from '@web/test-runner-commands';
import '../../src/index.js';
import type { CeConnectButton } from '../../src/index.js';

/**
 * Waits for a condition, polling. open-wc's default bound (1 s) is too tight for a loaded 2-core machine; a
 * bound here only turns a hang into a failure, so it is generous.
 */
export function waitUntil(
  predicate: () => unknown,
  message?: string,
  options: { interval?: number; timeout?: number } = {},
): Promise<void> {
  return waitUntilWithin(predicate, message, { timeout: 5000, ...options });
}

/** The native button inside the shadow root. */
export function innerButton(el: CeConnectButton): HTMLButtonElement {
  return el.shadowRoot!.querySelector('button')!;
}

/** A real mouse click (a user gesture, unlike `el.click()`), in the middle of the button. */
export async function realClick(el: CeConnectButton): Promise<void> {
  el.scrollIntoView({ block: 'center' });
  const box = innerButton(el).getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
  await sendMouse({ type: 'move', position: [0, 0] });
}

/** The button's label as a user reads it (the slotted text). */
export function label(el: CeConnectButton): string {
  return el.shadowRoot!.querySelector('slot')!.textContent!.trim();
}

/** The status line under the button (`part="status"`), as read aloud. */
export function statusLine(el: CeConnectButton): string {
  return el.shadowRoot!.querySelector('[part="status"]')!.textContent!.trim();
}

/** Records what the page writes to the console (every call still goes through), for "never logged" checks. */
export function captureConsole(): { logged: string[]; restore(): void } {
  const logged: string[] = [];
  const originals = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  for (const name of Object.keys(originals) as Array<keyof typeof originals>) {
    console[name] = (...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
      originals[name](...args);
    };
  }
  return { logged, restore: () => Object.assign(console, originals) };
}

/** Resolves with the first of the button's terminal events. */
export function nextOutcome(el: CeConnectButton): Promise<Event & { detail: Record<string, unknown> }> {
  return Promise.race(['connected', 'connect-error', 'connect-cancel'].map((name) => oneEvent(el, name))) as Promise<
    Event & { detail: Record<string, unknown> }
  >;
}

/**
 * Runs `action` inside a real click on a helper button (`connect()` needs a user gesture, like window.open)
 * and hands back what it returned, wrapped so that a returned promise is not awaited here.
 */
export async function clickToCall<T>(action: () => T): Promise<{ result: T }> {
  let result: T | undefined;
  const trigger = document.createElement('button');
  trigger.textContent = 'run';
  trigger.addEventListener('click', () => (result = action()));
  document.body.prepend(trigger);
  trigger.scrollIntoView({ block: 'center' });
  const box = trigger.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
  trigger.remove();
  return { result: result as T };
}

/** Resolves when this window receives `marker` by postMessage: messages from one source arrive in order. */
export function messageMarker(marker: string): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.data !== marker) return;
      window.removeEventListener('message', onMessage);
      resolve();
    };
    window.addEventListener('message', onMessage);
  });
}
