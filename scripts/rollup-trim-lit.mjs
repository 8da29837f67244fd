// A Rollup plugin that cuts from Lit's production build the code paths <ce-connect-button> can never reach, for
// the size budget of dist/ce-connect.js. Each cut is an exact text of Lit's minified files with its replacement;
// the build fails when a text is not found exactly once, so a Lit upgrade makes us review the list, never
// silently ship a half-trimmed Lit. What the cuts rely on, all true of src/ (review it when a template changes):
// - the templates are our own html`…` literals (never compiled templates, svg`…` or mathml`…`), with no
//   <script>, <style>, <textarea> or <title> inside, no binding in a comment, on an element (<p ${…}>) or to a
//   property (.prop=${…});
// - no value rendered is a directive, an array or iterable (the texts reach the template through
//   String.prototype.replace, so they are strings), and nothing calls the returned part's setConnected();
// - the styles are one unsafeCSS() result (no css`…`, no CSSStyleSheet);
// - the bundle runs only where native shadow DOM exists (ES2021 syntax), so Lit's polyfill hooks are dead.
// checkTemplatesForTrimmedLit() below fails the build when a template or an import breaks the first of these.

/** @type {Record<string, [string, string][]>} the cuts, by the file's path below node_modules */
const CUTS = {
  'lit-html/lit-html.js': [
    // Directives: resolving a value is the value itself.
    [
      'function M(t,i,s=t,e){if(i===E)return i;let h=void 0!==e?s._$Co?.[e]:s._$Cl;const o=a(i)?void 0:i._$litDirective$;return h?.constructor!==o&&(h?._$AO?.(!1),void 0===o?h=void 0:(h=new o(t),h._$AT(t,s,e)),void 0!==e?(s._$Co??=[])[e]=h:s._$Cl=h),void 0!==h&&(i=M(t,h._$AS(t,i.values),h,e)),i}',
      'function M(t,i){return i}',
    ],
    // svg`…` and mathml`…` templates.
    ['l=2===i?"<svg>":3===i?"<math>":""', 'l=""'],
    ['+(2===i?"</svg>":3===i?"</math>":"")', ''],
    [',2===i||3===i){const t=this.el.content.firstChild;t.replaceWith(...t.childNodes)}', ');'],
    // Raw-text elements (<script>, <style>, <textarea>, <title>) in a template.
    ['(y.test(u[2])&&(n=RegExp("</"+u[2],"g")),c=p)', 'c=p'],
    [
      'if(y.test(r.tagName)){const t=r.textContent.split(o),i=t.length-1;if(i>0){r.textContent=s?s.emptyScript:"";for(let s=0;s<i;s++)r.append(t[s],c()),P.nextNode(),d.push({type:2,index:++l});r.append(t[i],c())}}',
      '',
    ],
    // Element bindings (<p ${…}>), bindings in comments and property bindings (.prop=${…}).
    ['else t.startsWith(o)&&(d.push({type:6,index:l}),r.removeAttribute(t))', ''],
    ['else{let t=-1;for(;-1!==(t=r.data.indexOf(o,t+1));)d.push({type:7,index:l}),t+=o.length-1}', ''],
    [':6===r.type&&(i=new Z(h,this,t))', ':0'],
    ['"."===e[1]?I:', ''],
    // Compiled templates (a non-numeric _$litType$) and arrays or iterables as values.
    [
      '"number"==typeof s?this._$AC(t):(void 0===s.el&&(s.el=S.createElement(V(s.h,s.h[0]),this.options)),s)',
      'this._$AC(t)',
    ],
    [':d(t)?this.k(t)', ''],
    [
      'k(t){u(this._$AH)||(this._$AH=[],this._$AR());const i=this._$AH;let s,e=0;for(const h of t)e===i.length?i.push(s=new k(this.O(c()),this.O(c()),this,this.options)):s=i[e],s._$AI(h),e++;e<i.length&&(this._$AR(s&&s._$AB.nextSibling,e),i.length=e)}',
      '',
    ],
    // What only directives read: a part's connection state, its parent node, its start and end, the scope.
    ['get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}', ''],
    ['(t?.creationScope??l).importNode', 'l.importNode'],
    ['get _$AU(){return this._$AM?._$AU??this._$Cv}', ''],
    [',this._$Cv=e?.isConnected??!0', ''],
    [
      'get parentNode(){let t=this._$AA.parentNode;const i=this._$AM;return void 0!==i&&11===t?.nodeType&&(t=i.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}',
      '',
    ],
    ['for(this._$AP?.(!1,!0,s);', 'for(;'],
    ['setConnected(t){void 0===this._$AM&&(this._$Cv=t,this._$AP?.(t))}', ''],
    ['get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}', ''],
    ['this._$AV=[],this._$AN=void 0,', 'this._$AV=[],'],
    ['this.type=2,this._$AH=A,this._$AN=void 0,', 'this.type=2,this._$AH=A,'],
    ['this.type=1,this._$AH=A,this._$AN=void 0,', 'this.type=1,this._$AH=A,'],
    // The polyfill hook (ShadyDOM, for browsers without shadow DOM).
    ['B=t.litHtmlPolyfillSupport;B?.(S,k),', 'B=0;'],
  ],
  '@lit/reactive-element/css-tag.js': [
    // Only unsafeCSS() makes a CSSResult here: no token to check, no css`…` marker, no cache by template.
    [
      'constructor(t,e,o){if(this._$cssResult$=!0,o!==s)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}',
      'constructor(t){this.cssText=t}',
    ],
    ['new n("string"==typeof t?t:t+"",void 0,s)', 'new n(t+"")'],
    [
      'get styleSheet(){let t=this.o;const s=this.t;if(e&&void 0===t){const e=void 0!==s&&1===s.length;e&&(t=o.get(s)),void 0===t&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),e&&o.set(s,t))}return t}',
      'get styleSheet(){let t=this.o;return e&&void 0===t&&(this.o=t=new CSSStyleSheet).replaceSync(this.cssText),t}',
    ],
    // No CSSStyleSheet among the styles, so none to turn into text where sheets cannot be adopted.
    [
      'c=e?t=>t:t=>t instanceof CSSStyleSheet?(t=>{let e="";for(const s of t.cssRules)e+=s.cssText;return r(e)})(t):t',
      'c=t=>t',
    ],
  ],
  '@lit/reactive-element/reactive-element.js': [
    ['p=a.reactiveElementPolyfillSupport,', ''],
    ['p?.({ReactiveElement:y}),', ''],
  ],
};

export function trimLit() {
  return {
    name: 'trim-lit',
    transform(code, id) {
      const file = Object.keys(CUTS).find((path) => id.replaceAll('\\', '/').endsWith(`/node_modules/${path}`));
      if (!file) return null;
      let trimmed = code;
      for (const [from, to] of CUTS[file]) {
        const count = trimmed.split(from).length - 1;
        if (count !== 1)
          this.error(`${file} holds ${count} copies of a text to cut, not one: review trim-lit. ${from}`);
        trimmed = trimmed.replace(from, () => to);
      }
      return { code: trimmed, map: null };
    },
  };
}

/**
 * Fails the build when a bundle's code uses what trimLit() cut: a directive module, or an html`…` template with
 * svg/math, a raw-text element, a comment, an element binding (<p ${…}>) or a property binding (.prop=${…}).
 * Runs on the compiled JavaScript (after TypeScript), so it reads real templates only.
 */
export function checkTemplatesForTrimmedLit() {
  return {
    name: 'check-templates-for-trimmed-lit',
    transform(code, id) {
      if (/[\\/](lit-html[\\/](directives?[\\/]|directive\.js|async-directive\.js)|lit[\\/]directives?[\\/])/.test(id))
        this.error(`directives are cut from Lit by trim-lit (scripts/rollup-trim-lit.mjs).`);
      if (id.includes('node_modules') || !/\bhtml\s*`/.test(code)) return null;
      const visit = (node) => {
        if (node.type === 'TaggedTemplateExpression' && node.tag.type === 'Identifier' && node.tag.name === 'html') {
          const parts = node.quasi.quasis.map((quasi) => quasi.value.raw);
          const unsupported = (part, i) =>
            /<(svg|math|script|style|textarea|title)\b|<!--/i.test(part) ||
            (i < parts.length - 1 && /<[^>]*$/.test(parts.slice(0, i + 1).join('')) && !/\s[\w?@-]+=["']?$/.test(part));
          if (parts.some(unsupported))
            this.error(`an html\`…\` template uses a Lit feature trim-lit cuts (scripts/rollup-trim-lit.mjs).`);
        }
        for (const value of Object.values(node)) {
          for (const child of Array.isArray(value) ? value : [value]) if (typeof child?.type === 'string') visit(child);
        }
      };
      visit(this.parse(code));
      return null;
    },
  };
}
