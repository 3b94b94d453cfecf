/* Segment builder (admin): each rule's operator list holds only its field's operators, and its
   value box suggests the values the field knows, with an example. The live count is htmx's
   (change_form.html). No inline script (CSP). */
(function () {
  "use strict";
  var source = document.getElementById("segment-builder-spec");
  if (!source) return;
  var spec = JSON.parse(source.textContent);

  function datalistFor(name, values) {
    var id = "segment-values-" + name;
    if (!values.length || document.getElementById(id)) return values.length ? id : null;
    var list = document.createElement("datalist");
    list.id = id;
    values.forEach(function (value) { list.appendChild(new Option(value)); });
    document.body.appendChild(list);
    return id;
  }

  function sync(row) {
    if (!row || !row.querySelector) return;
    var field = row.querySelector("select[name$='-field']");
    var operator = row.querySelector("select[name$='-operator']");
    var value = row.querySelector("input[name$='-value']");
    if (!field || !operator) return;
    var known = spec.fields[field.value];
    var chosen = operator.value;
    if (!operator.dataset.all) operator.dataset.all = operator.innerHTML;
    if (!known) {
      operator.innerHTML = operator.dataset.all;
      operator.value = chosen;
    } else {
      operator.innerHTML = "";
      operator.appendChild(new Option("---------", ""));
      known.operators.forEach(function (pair) { operator.appendChild(new Option(pair[1], pair[0])); });
      var allowed = known.operators.some(function (pair) { return pair[0] === chosen; });
      operator.value = allowed ? chosen : (known.operators.length === 1 ? known.operators[0][0] : "");
    }
    if (value) {
      var takesNone = spec.no_value.indexOf(operator.value) !== -1;
      value.disabled = takesNone;
      if (takesNone) value.value = "";
      value.placeholder = known ? known.example : "";
      var list = known ? datalistFor(field.value, known.values) : null;
      if (list) value.setAttribute("list", list); else value.removeAttribute("list");
    }
  }

  function rowOf(element) {
    return element.closest("tr.form-row, .inline-related");
  }

  document.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (/^rules-\d+-(field|operator)$/.test(name)) sync(rowOf(event.target));
  });
  document.addEventListener("formset:added", function (event) { sync(event.target); });
  document.querySelectorAll("select[name^='rules-'][name$='-field']").forEach(function (field) {
    sync(rowOf(field));
  });
})();
