// The contract form: show the material-risk warning and its reason field as soon as such a vendor is chosen.
// The server refuses the form without a reason anyway; this only says so before the lead submits.
(function () {
  "use strict";
  var box = document.getElementById("standing-confirm");
  var source = document.getElementById("standing-messages");
  var select = document.getElementById("id_vendor");
  if (!box || !source || !select) return;
  var messages = JSON.parse(source.textContent);
  function update() {
    var message = messages[select.value];
    box.hidden = !message;
    if (message) document.getElementById("standing-confirm-message").firstElementChild.textContent = message;
  }
  select.addEventListener("change", update);
  update();
})();
