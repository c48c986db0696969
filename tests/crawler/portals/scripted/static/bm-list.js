fetch('/api/bm/list.json').then(function (r) { return r.json(); }).then(function (data) {
  var list = document.getElementById('list');
  data.rows.forEach(function (row) {
    var li = document.createElement('li');
    li.textContent = row.title + ' ' + row.date;
    li.addEventListener('click', function () { window.open(row.url); });
    list.appendChild(li);
  });
});
