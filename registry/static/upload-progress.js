/* Upload progress for the console's upload wizard (progressive enhancement).
   Without this script the form posts as a plain multipart form and works the same. With it, the
   form is sent with XMLHttpRequest so that a <progress> bar can show how much has been sent;
   the server's answer (a redirect to the next step, or the form again with its problems) is then
   shown as if the browser had navigated to it. */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var box = document.getElementById(form.getAttribute("data-progress"));
  var bar = document.getElementById("upload-progress-bar");
  var text = document.getElementById("upload-progress-text");

  function show(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.body.replaceWith(doc.body);
    if (url && url !== window.location.href) {
      window.history.replaceState(null, "", url);
    }
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  form.addEventListener("submit", function (event) {
    var file = form.querySelector("input[type=file]");
    if (!file || !file.files || file.files.length === 0) {
      return; // nothing to show progress for: let the browser send the form
    }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
    }
    box.hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.floor((e.loaded / e.total) * 100);
        bar.value = percent;
        bar.textContent = percent + "%";
        text.textContent = percent + "%";
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      text.textContent = text.getAttribute("data-done");
    });
    xhr.addEventListener("load", function () {
      if (xhr.responseURL && xhr.responseURL !== form.action && xhr.status === 200) {
        window.location.assign(xhr.responseURL); // followed the redirect to the next step
      } else {
        show(xhr.responseText, xhr.responseURL);
      }
    });
    xhr.addEventListener("error", function () {
      text.textContent = text.getAttribute("data-failed");
      if (button) {
        button.disabled = false;
      }
    });
    xhr.send(new FormData(form));
  });
})();
