/* 门岗核验: in WeCom's own browser, the 扫码 button scans a 放行码 through the WeCom JS-SDK
   (ww, vendored) and submits it; elsewhere the button stays hidden and the code is typed. */
(function () {
  "use strict";
  var button = document.getElementById("scan");
  var form = document.getElementById("check");
  if (!button || !form || !window.ww || !/wxwork/i.test(navigator.userAgent)) {
    return;
  }
  window.ww.register({
    corpId: button.dataset.corp,
    agentId: Number(button.dataset.agent),
    jsApiList: ["scanQRCode"],
    getConfigSignature: function (url) {
      return fetch(button.dataset.jsapi + "?url=" + encodeURIComponent(url), {
        credentials: "same-origin"
      }).then(function (answer) {
        if (!answer.ok) { throw new Error("no signature"); }
        return answer.json();
      });
    }
  });
  button.hidden = false;
  button.addEventListener("click", function () {
    window.ww.scanQRCode({
      needResult: true,
      scanType: ["qrCode"],
      success: function (result) {
        form.elements.code.value = result.resultStr || "";
        form.submit();
      }
    });
  });
})();
