/**
 * Vue 3 templates, checked by vue-tsc: `<ce-connect-button element="sfdc" @connected="(e) => e.detail.instanceId" />`.
 * Vue's compiler must also be told that the tag is a custom element (`compilerOptions.isCustomElement`, see
 * docs/frameworks.md); this only gives the type-checker its props and events, the way Vue's guide describes.
 */
import type { CeConnectButton } from '../ce-connect-button.js';
import type { CeConnectButtonEventMap, CeConnectButtonProperties } from './attributes.js';

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (intersection: infer I) => void
  ? I
  : never;

/** `$emit` as Vue's checker reads it: one overload per event (the shape of Vue's own `EmitFn`). */
type VueEmit = UnionToIntersection<
  {
    [Name in keyof CeConnectButtonEventMap]: (event: Name, payload: CeConnectButtonEventMap[Name]) => void;
  }[keyof CeConnectButtonEventMap]
>;

declare module 'vue' {
  interface GlobalComponents {
    'ce-connect-button': new () => CeConnectButton & {
      /** @deprecated For template type-checking only: the element has no `$props`. */
      $props: CeConnectButtonProperties;
      /** @deprecated For template type-checking only: the element has no `$emit`. */
      $emit: VueEmit;
    };
  }
}
