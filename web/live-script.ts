// The live view's only script (/web/live.js), a progressive enhancement: it subscribes to the
// room's event stream (the page route /app/room/live/events, the API's stream with the session
// cookie) and, when someone joins, leaves, is muted or the room is locked or ended, fetches the
// page again and swaps in its #live section (rendered and escaped by the server, as without
// JavaScript). Talking only flips one cell. Keyboard focus stays on the same control. When the
// session ends the stream says "closed" and ends: the page reloads (to the sign-in page).
// Served from 'self' so the page's CSP needs no 'unsafe-inline'.
export const LIVE_SCRIPT = `'use strict';
(function () {
  var section = document.getElementById('live');
  var announce = document.getElementById('live-announce');
  if (section === null || typeof EventSource === 'undefined' || typeof fetch === 'undefined') return;
  var pending = null;
  function refresh() {
    pending = null;
    fetch(location.pathname, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var next = new DOMParser().parseFromString(text, 'text/html').getElementById('live');
        if (next === null) return;
        var active = document.activeElement;
        var focused = active !== null && section.contains(active) ? active.id : '';
        section.replaceChildren.apply(section, Array.prototype.slice.call(next.childNodes));
        var again = focused === '' ? null : document.getElementById(focused);
        if (again !== null) again.focus();
        var summary = section.querySelector('[data-summary]');
        if (announce !== null && summary !== null) announce.textContent = summary.textContent;
      })
      .catch(function () { /* the next event, or a reload, tries again */ });
  }
  function soon() {
    if (pending === null) pending = setTimeout(refresh, 200);
  }
  var source = new EventSource(section.getAttribute('data-events'));
  ['room', 'joined', 'left', 'muted', 'locked', 'ended'].forEach(function (type) { source.addEventListener(type, soon); });
  // The session ended (signed out, a new password, the account deleted): stop, and reload to
  // the sign-in page rather than reconnect.
  source.addEventListener('closed', function () {
    source.close();
    location.reload();
  });
  source.addEventListener('talking', function (event) {
    var news = JSON.parse(event.data);
    section.querySelectorAll('[data-talking]').forEach(function (cell) {
      if (cell.getAttribute('data-talking') === news.channelId) cell.textContent = news.talking ? 'talking' : 'no';
    });
  });
})();
`;
