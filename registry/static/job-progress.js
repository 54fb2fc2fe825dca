/* The progress page of a running audit (/console/audits/{id}), progressive enhancement.

   Without JavaScript the page reloads itself every few seconds (a <meta http-equiv="refresh">
   inside <noscript>). With it, that meta is not in the page: this script asks the audit's
   status.json every few seconds instead, moves the <progress> bar, says a change of state in the
   polite live region (never every percent), and reloads the page once the run has finished so
   that its result shows. "Stop refreshing automatically" stops the polling (and opens the page
   without it). Nothing here is needed to use the page. */
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var seconds = parseInt(box.getAttribute("data-poll-seconds"), 10) || 5;
  var bar = document.getElementById("job-progress-bar");
  var message = document.getElementById("job-message");
  var percent = document.getElementById("job-percent");
  var stop = document.getElementById("job-stop");
  var timer = null;
  var stopped = false;

  function show(status) {
    if (message && status.message && message.textContent !== status.message) {
      message.textContent = status.message; // the live region: only when the state changes
    }
    if (bar && typeof status.percent === "number") {
      bar.value = status.percent;
      bar.textContent = status.percent + "%";
    }
    if (percent) {
      percent.textContent = status.percent_text || "";
    }
  }

  function poll() {
    timer = null;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        if (stopped) {
          return;
        }
        show(status);
        if (status.done) {
          window.location.reload(); // the finished audit's page, or why it failed
        } else {
          timer = window.setTimeout(poll, seconds * 1000);
        }
      })
      .catch(function () {
        // Signed out, or the server cannot answer: do what the page does without script.
        if (!stopped) {
          window.location.reload();
        }
      });
  }

  if (stop) {
    stop.addEventListener("click", function () {
      stopped = true; // then the link opens the page with ?refresh=off, which does not poll
      if (timer !== null) {
        window.clearTimeout(timer);
        timer = null;
      }
    });
  }
  timer = window.setTimeout(poll, seconds * 1000);
})();
