// The demo's connect-link scene (docs/demo.md, "Send a connect link"): the signed-in demo user makes a link for one
// element (handler.createConnectLink), sees it as a URL and a QR code, and can revoke it; when someone completes
// it elsewhere (another browser profile, a phone), onInstanceCreated says so and the user's pages refresh their list.

const KEPT_LINKS = 500;
const MAX_INVITER = 80;

/**
 * Creates the scene. `handler()` is the demo's handler (made after the scene); `feed` (demo/live-feed.mjs) tells
 * the owner's pages.
 */
export function createLinksScene({ handler, feed }) {
  const links = new Map(); // link id → { owner, element }

  return {
    /**
     * A link for `owner` to connect `element`, with `inviter` as who asks: `{ id, url, expiresAt, qr }`, `qr` an
     * SVG data URL of the link (the page shows it as an image: no markup of ours goes into its DOM).
     */
    async create(owner, element, inviter) {
      const text = typeof inviter === 'string' && inviter.trim() ? inviter.trim().slice(0, MAX_INVITER) : undefined;
      // Loaded when first needed: the rest of the demo starts even where the dev dependency is not installed yet.
      const { default: QRCode } = await import('qrcode');
      const link = await handler().createConnectLink({ owner, element, ...(text && { inviter: text }) });
      links.set(link.id, { owner, element });
      if (links.size > KEPT_LINKS) links.delete(links.keys().next().value);
      const svg = await QRCode.toString(link.url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      const qr = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      return { id: link.id, url: link.url, expiresAt: link.expiresAt, element, qr };
    },
    /** Revokes a link of `owner`; false when it is not theirs (or not known here). */
    async revoke(owner, id) {
      if (links.get(id)?.owner !== owner) return false;
      await handler().revokeConnectLink(id);
      feed.push(owner, { kind: 'link', id, state: 'revoked' });
      return true;
    },
    /** From onInstanceCreated: an instance made through link `link.id` tells its owner's pages. */
    used(link, owner, element, instanceId) {
      feed.push(owner, { kind: 'instance', element, instanceId: String(instanceId), ...(link && { link: link.id }) });
    },
  };
}
