/*
 * Partnergate lightbox: a partner pastes
 *   <button type="button" data-partnergate-lightbox data-link="https://site/?orid=1" data-title="..." data-text="...">...</button>
 *   <script src="https://site/partner-center/assets/lightbox.js" defer></script>
 * and a press on the button (click, Enter or Space) opens a modal dialog with the title, the text, an optional
 * image of the site and a button to the partner's link. `data-cta` and `data-close` name that button and the
 * close button (default "Learn more" and "Close") in the page's language.
 *
 * Built for other people's pages: the dialog is made with DOM calls and textContent from the data attributes
 * (never HTML, so nothing in them can inject markup); styles are set through the CSSOM (allowed under a strict
 * `style-src`, unlike style attributes or <style>); no eval, no inline script, no request to any host. The link
 * must be http(s) or nothing opens.
 *
 * Accessible modal: role="dialog", aria-modal, labelled by its title and described by its text; focus moves to
 * the dialog's first control, Tab and Shift+Tab stay inside it, Escape, the close button or a click outside
 * close it, and focus returns to the button that opened it. The rest of the page is `inert` while it is open.
 */
(function () {
  'use strict';
  if (window.partnergateLightbox) return; // pasted twice: one listener is enough
  window.partnergateLightbox = true;

  var seq = 0;
  var open = null;

  function httpUrl(value) {
    try {
      var u = new URL(value, document.baseURI);
      return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function css(el, styles) {
    for (var k in styles) if (Object.prototype.hasOwnProperty.call(styles, k)) el.style.setProperty(k, styles[k]);
    return el;
  }

  function make(tag, styles, text) {
    var el = css(document.createElement(tag), styles || {});
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function focusables(root) {
    var all = root.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])');
    return Array.prototype.slice.call(all);
  }

  var BUTTON = { display: 'inline-block', padding: '.6em 1.1em', 'border-radius': '6px', font: 'inherit', 'font-weight': '600', cursor: 'pointer', 'text-decoration': 'none' };

  function build(opener, link) {
    var id = 'partnergate-lightbox-' + ++seq;
    var backdrop = make('div', { position: 'fixed', inset: '0', 'z-index': '2147483000', display: 'flex', 'align-items': 'center', 'justify-content': 'center', padding: '1rem', background: 'rgba(17, 24, 39, .6)' });
    var dialog = make('div', { position: 'relative', 'box-sizing': 'border-box', width: '100%', 'max-width': '32rem', 'max-height': '100%', overflow: 'auto', padding: '1.5rem', 'border-radius': '10px', background: '#fff', color: '#111827', font: '16px/1.5 system-ui, sans-serif', 'box-shadow': '0 10px 40px rgba(0, 0, 0, .35)' });
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-modal', 'true');
    dialog.setAttribute('aria-labelledby', id + '-title');
    dialog.id = id;
    var close = make('button', Object.assign({}, BUTTON, { position: 'absolute', top: '.5rem', right: '.5rem', padding: '.25em .6em', border: '1px solid #6b7280', background: '#fff', color: '#111827' }), '×');
    close.type = 'button';
    close.setAttribute('aria-label', opener.getAttribute('data-close') || 'Close');
    var title = make('h2', { margin: '0 2.5rem .75rem 0', 'font-size': '1.35rem', color: '#111827' }, opener.getAttribute('data-title') || '');
    title.id = id + '-title';
    dialog.appendChild(close);
    dialog.appendChild(title);
    var image = httpUrl(opener.getAttribute('data-image') || '');
    if (image) {
      var img = make('img', { display: 'block', 'max-width': '100%', height: 'auto', margin: '0 0 .75rem' });
      img.src = image;
      img.alt = '';
      dialog.appendChild(img);
    }
    var text = opener.getAttribute('data-text');
    if (text) {
      var p = make('p', { margin: '0 0 1.25rem' }, text);
      p.id = id + '-text';
      dialog.setAttribute('aria-describedby', p.id);
      dialog.appendChild(p);
    }
    var go = make('a', Object.assign({}, BUTTON, { border: '1px solid #1d4ed8', background: '#1d4ed8', color: '#fff' }), opener.getAttribute('data-cta') || 'Learn more');
    go.href = link;
    go.rel = 'sponsored noopener';
    dialog.appendChild(go);
    backdrop.appendChild(dialog);
    return { backdrop: backdrop, dialog: dialog, close: close };
  }

  function show(opener) {
    if (open) return;
    var link = httpUrl(opener.getAttribute('data-link') || '');
    if (!link) return;
    var parts = build(opener, link);
    var inerted = [];
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (!el.inert) {
        el.inert = true;
        inerted.push(el);
      }
    });
    document.body.appendChild(parts.backdrop);
    open = { opener: opener, parts: parts, inerted: inerted };
    parts.close.addEventListener('click', hide);
    parts.backdrop.addEventListener('click', function (event) {
      if (event.target === parts.backdrop) hide();
    });
    focusables(parts.dialog)[0].focus();
  }

  function hide() {
    if (!open) return;
    var was = open;
    open = null;
    was.parts.backdrop.remove();
    was.inerted.forEach(function (el) { el.inert = false; });
    was.opener.focus();
  }

  document.addEventListener('click', function (event) {
    var opener = event.target instanceof Element ? event.target.closest('[data-partnergate-lightbox]') : null;
    if (!opener) return;
    event.preventDefault();
    show(opener);
  });

  document.addEventListener('keydown', function (event) {
    if (!open) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      hide();
      return;
    }
    if (event.key !== 'Tab') return;
    var items = focusables(open.parts.dialog);
    var first = items[0];
    var last = items[items.length - 1];
    var inside = open.parts.dialog.contains(document.activeElement);
    if (event.shiftKey && (document.activeElement === first || !inside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
      event.preventDefault();
      first.focus();
    }
  });
})();
