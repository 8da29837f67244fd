import type { ElementConfig, SiteAddressFunction } from './options.js';

/**
 * Per-element settings (docs/protocol.md §12.5): extra instance configuration, extra tags and the site address,
 * and the one builder of the instance body that `POST /instances` and `PUT /instances/{id}` send — key, secret
 * and callback URL from the same config entry as the oauth/url call.
 */

/** The per-element settings, resolved: configuration and tags always present (maybe empty), all frozen. */
export interface ResolvedElementSettings {
  readonly siteAddress: string | SiteAddressFunction | undefined;
  readonly siteConfigurationKey: string | undefined;
  readonly configuration: Readonly<Record<string, string | number | boolean>>;
  readonly tags: readonly string[];
}

/** Tags the handler writes itself; a configured tag may not look like one. */
const RESERVED_TAG = /^ce-connect-(owner:|flow-)/;
/** What the handler may put into a configuration key, a tag or a site address: no control characters. */
const PRINTABLE = /^[^\p{Cc}]+$/u;
/** Longest site address kept in the flow cookie (it travels from oauth/url to the exchange in it). */
const MAX_SITE_LENGTH = 512;

function fail(message: string): never {
  throw new TypeError(`ce-connect/server: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function resolveConfiguration(key: string, value: unknown): Readonly<Record<string, string | number | boolean>> {
  if (value === undefined) return Object.freeze({});
  if (!isPlainObject(value)) fail(`elements.${key}.configuration must be an object of string, number or boolean values`);
  for (const [name, setting] of Object.entries(value)) {
    if (name === '' || name.length > 256 || !PRINTABLE.test(name)) fail(`elements.${key}.configuration has an invalid key`);
    // Key, secret and callback URL come from apiKey/apiSecret/callbackUrl only: one source for both calls.
    if (/^oauth\./i.test(name))
      fail(`elements.${key}.configuration must not set "${name}": oauth.* settings come from apiKey, apiSecret and callbackUrl`);
    const type = typeof setting;
    if (type !== 'string' && type !== 'boolean' && !(type === 'number' && Number.isFinite(setting))) {
      fail(`elements.${key}.configuration["${name}"] must be a string, a finite number or a boolean`);
    }
  }
  return Object.freeze({ ...value } as Record<string, string | number | boolean>);
}

function resolveTags(key: string, value: unknown): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value) || value.length > 20) fail(`elements.${key}.tags must be an array of at most 20 strings`);
  for (const tag of value) {
    if (typeof tag !== 'string' || tag.trim() === '' || tag.length > 128 || !PRINTABLE.test(tag)) {
      fail(`elements.${key}.tags must hold non-empty strings of at most 128 characters`);
    }
    if (RESERVED_TAG.test(tag)) fail(`elements.${key}.tags must not start with "ce-connect-owner:" or "ce-connect-flow-"`);
  }
  return Object.freeze([...new Set(value as string[])]);
}

/** Validates `configuration`, `tags`, `siteAddress` and `siteConfigurationKey` of `elements[key]`. */
export function resolveElementSettings(key: string, config: Partial<ElementConfig>): ResolvedElementSettings {
  const { siteAddress, siteConfigurationKey } = config;
  if (siteAddress !== undefined && typeof siteAddress !== 'function' && !isSiteAddress(siteAddress)) {
    fail(`elements.${key}.siteAddress must be a non-empty string or a function (input) => string | null`);
  }
  const configuration = resolveConfiguration(key, config.configuration);
  if (siteConfigurationKey !== undefined) {
    if (typeof siteConfigurationKey !== 'string' || siteConfigurationKey === '' || !PRINTABLE.test(siteConfigurationKey)) {
      fail(`elements.${key}.siteConfigurationKey must be a non-empty string such as "zendesk.subdomain"`);
    }
    if (/^oauth\./i.test(siteConfigurationKey)) fail(`elements.${key}.siteConfigurationKey must not be an oauth.* setting`);
    if (siteAddress === undefined) fail(`elements.${key}.siteConfigurationKey needs a siteAddress`);
    if (Object.hasOwn(configuration, siteConfigurationKey))
      fail(`elements.${key}.configuration must not also set the siteConfigurationKey "${siteConfigurationKey}"`);
  }
  return { siteAddress, siteConfigurationKey, configuration, tags: resolveTags(key, config.tags) };
}

/** A site address the handler passes on and keeps in the flow cookie: 1–512 characters, no control characters. */
export function isSiteAddress(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_SITE_LENGTH && PRINTABLE.test(value);
}

/** What an instance is created or re-authorised with, besides the code. */
export interface InstanceSpec {
  readonly name: string;
  /** Every tag of the instance, the owner tag among them. */
  readonly tags: readonly string[];
  /** The flow's site address, if any (for `siteConfigurationKey`). */
  readonly site?: string;
}

/** What `createInstance` takes besides name and flow tag: whose instance it is, and the flow's site address. */
export interface InstanceExtras {
  readonly ownerTag: string;
  readonly site?: string;
}

/** An instance's tags: any extra first (the flow tag of a creation), then the owner tag and the element's tags. */
export function instanceTags(config: Readonly<ElementConfig>, ownerTag: string, ...extra: string[]): string[] {
  return [...new Set([...extra, ownerTag, ...(config.tags ?? [])])];
}

/**
 * The body of `POST /instances` and of `PUT /instances/{id}`: the element's configuration, the site address under
 * `siteConfigurationKey`, and last (so nothing can replace them) key, secret and callback URL of the one config
 * entry the oauth/url call used.
 */
export function instanceBody(element: string, config: Readonly<ElementConfig>, code: string, spec: InstanceSpec): Record<string, unknown> {
  const site = config.siteConfigurationKey !== undefined && spec.site !== undefined ? { [config.siteConfigurationKey]: spec.site } : {};
  return {
    element: { key: element },
    providerData: { code },
    configuration: {
      ...config.configuration,
      ...site,
      'oauth.callback.url': config.callbackUrl,
      'oauth.api.key': config.apiKey,
      'oauth.api.secret': config.apiSecret,
    },
    tags: [...spec.tags],
    name: spec.name,
  };
}
