/* The live meeting wall: play each room's HLS stream with hls.js (or natively where the browser can). */
(function () {
  "use strict";
  document.querySelectorAll("video[data-hls]").forEach(function (video) {
    var url = video.dataset.hls;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ liveSyncDurationCount: 3 });
      hls.loadSource(url);
      hls.attachMedia(video);
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () {}); });
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (data.fatal) { video.dataset.state = "error"; setTimeout(function () { hls.loadSource(url); }, 5000); }
      });
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
      video.play().catch(function () {});
    }
  });
})();
