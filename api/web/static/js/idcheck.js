/* Checks a resident ID number (GB 11643) as it is typed; the server checks it again. */
(function () {
  "use strict";
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";
  function problem(value) {
    if (value === "") { return ""; }
    if (!/^[1-9]\d{16}[\dX]$/.test(value)) {
      return value.length < 18 ? "已输入 " + value.length + " 位，共 18 位" : "格式不对：应为17位数字加1位数字或X";
    }
    var sum = 0;
    for (var i = 0; i < 17; i++) { sum += Number(value[i]) * WEIGHTS[i]; }
    return CHECK[sum % 11] === value[17] ? "ok" : "校验位不对，请核对号码";
  }
  function check(input) {
    var out = document.getElementById(input.getAttribute("data-idcheck"));
    var value = input.value.trim().toUpperCase();
    var result = problem(value);
    input.setAttribute("aria-invalid", result !== "" && result !== "ok" ? "true" : "false");
    if (out) { out.textContent = result === "ok" ? "校验位正确" : result; }
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-idcheck]")) { check(event.target); }
  });
})();
