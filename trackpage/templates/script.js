// Live updates for the tracking page. The page is complete without this:
// it only replaces the main section with the fresh copy the server sends
// on /track/{token}/events each time the order changes. On a network
// error EventSource keeps the page as it is and reconnects after the
// stream's retry: interval; when the stream is refused (404), it stops.
(function () {
  "use strict";
  var main = document.getElementById("order");
  var live = document.getElementById("live");
  if (!main || !window.EventSource) {
    return;
  }
  var url = main.getAttribute("data-events");
  if (!url) {
    return;
  }
  var said = statusOf(main);
  var last = null;
  var source = new EventSource(url);
  source.addEventListener("update", function (e) {
    if (e.data === last) {
      return;
    }
    last = e.data;
    main.innerHTML = e.data;
    var now = statusOf(main);
    if (live && now && now !== said) {
      live.textContent = now;
    }
    said = now;
  });
  function statusOf(el) {
    var s = el.querySelector("[data-live]");
    return s ? s.getAttribute("data-live") : "";
  }
})();
