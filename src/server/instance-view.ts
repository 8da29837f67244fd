import { elementDisplayName } from '../elements.js';
import { INSTANCE_ID_PATTERN, isInstanceName } from '../protocol-rules.js';
import type { CloudElementsInstance, InstanceSummary } from './types.js';

/** An instance id as it appears in a path, a query or a flow cookie: what Cloud Elements' ids look like as text. */
export function isInstanceIdText(value: unknown): value is string {
  return typeof value === 'string' && INSTANCE_ID_PATTERN.test(value);
}

/** Tags at Cloud Elements are strings (older answers: `{id, name}` objects). */
export function tagNames(instance: CloudElementsInstance): string[] {
  const tags = Array.isArray(instance.tags) ? (instance.tags as unknown[]) : [];
  return tags
    .map((tag) => (typeof tag === 'object' && tag !== null ? (tag as { name?: unknown }).name : tag))
    .filter((tag): tag is string => typeof tag === 'string');
}

/** Whether the instance carries every one of `tags`. */
export function carriesTags(instance: CloudElementsInstance, ...tags: string[]): boolean {
  const names = tagNames(instance);
  return tags.every((tag) => names.includes(tag));
}

/** Whether the instance carries the owner's tag. */
export function ownsInstance(instance: CloudElementsInstance, ownerTag: string): boolean {
  return carriesTags(instance, ownerTag);
}

/** The instance's element key, as Cloud Elements reports it (`element.key`). */
export function instanceElement(instance: CloudElementsInstance): string | undefined {
  const element = instance.element;
  const key = typeof element === 'object' && element !== null ? (element as { key?: unknown }).key : undefined;
  return typeof key === 'string' ? key : undefined;
}

/** The browser's view of an instance of `element`; the name falls back to the element's display name. */
export function summarize(instance: CloudElementsInstance, element: string): InstanceSummary {
  const { name, createdDate, valid, disabled } = instance;
  return {
    id: String(instance.id),
    name:
      typeof name === 'string' && name.trim() !== '' && isInstanceName(name)
        ? name
        : (elementDisplayName(element) ?? element),
    element: { key: element },
    status: valid === false || disabled === true ? 'needs-reconnect' : 'connected',
    ...(typeof createdDate === 'string' && /^[\x20-\x7e]{1,64}$/.test(createdDate) && { createdDate }),
  };
}

/** Newest first: by `createdDate` (ISO 8601 sorts as text), then by id (numeric ids grow). */
export function newestFirst(a: InstanceSummary, b: InstanceSummary): number {
  const [dateA, dateB] = [a.createdDate ?? '', b.createdDate ?? ''];
  if (dateA !== dateB) return dateA < dateB ? 1 : -1;
  const [x, y] = [Number(a.id), Number(b.id)];
  if (Number.isSafeInteger(x) && Number.isSafeInteger(y)) return y - x;
  return b.id < a.id ? -1 : b.id > a.id ? 1 : 0;
}
