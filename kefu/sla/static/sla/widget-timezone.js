/* kefu SLA plug-in: tell kefu the customer's time zone, so after-hours replies name times in it. */
(window.KefuWidgetPlugins = window.KefuWidgetPlugins || []).push(function (api) {
  var sent = false;
  api.on("session", function () {
    if (sent) return;
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    if (!zone) return;
    sent = true;
    api.request("POST", "/widget/sla/time-zone", { json: { time_zone: zone }, session: true })
      .catch(function () { sent = false; });
  });
});
