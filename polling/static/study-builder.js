// Progressive enhancement of the questionnaire builder: show only the settings that fit the chosen
// question type (without JavaScript every setting is shown, each with its hint).
(function () {
  var type = document.getElementById("type");
  if (!type) { return; }
  var groups = document.querySelectorAll("[data-for-types]");
  function update() {
    groups.forEach(function (group) {
      var fits = group.getAttribute("data-for-types").split(" ").indexOf(type.value) !== -1;
      group.hidden = !fits;
    });
  }
  type.addEventListener("change", update);
  update();
})();
