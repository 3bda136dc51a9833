// Board 2.0: lanes side by side, a search in the top bar, new tasks typed at the top of a
// lane, hover-only trash icon. The board is drawn once the data arrives.
(function ($) {
  var state = null, seq = 500, query = '';

  function ticket(card) {
    var $t = $('<article class="ticket" draggable="true">').attr('data-ticket', card.id);
    $('<span class="ticket__name">').text(card.title).appendTo($t);
    if (card.tag) $('<span class="ticket__chip">').text(card.tag).appendTo($t);
    $t.append(
      '<button class="ticket__trash" type="button" aria-label="Delete card">' +
        '<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true"><path d="M2 4h10M5 4V2h4v2M3 4l1 9h6l1-9" fill="none" stroke="#c33"/></svg>' +
        '</button>'
    );
    if (query && card.title.toLowerCase().indexOf(query) === -1) $t.css('display', 'none');
    return $t;
  }

  function render() {
    var $lanes = $('<main class="lanes">');
    state.columns.forEach(function (lane) {
      var cards = state.cards.filter(function (c) { return c.column === lane; });
      var $lane = $('<div class="lane">').attr('data-lane', lane);
      $('<div class="lane__head">')
        .append($('<h3>').text(lane))
        .append($('<span class="lane__count">').text(cards.length))
        .appendTo($lane);
      $lane.append($('<input class="lane__new" type="text" placeholder="+ New task">'));
      cards.forEach(function (c) { $lane.append(ticket(c)); });
      $lanes.append($lane);
    });
    $('#app .lanes').replaceWith($lanes);
  }

  function relocate(id, lane, beforeId) {
    var card = state.cards.filter(function (c) { return c.id === id; })[0];
    if (!card) return;
    state.cards = state.cards.filter(function (c) { return c.id !== id; });
    card.column = lane;
    var at = state.cards.length;
    state.cards.forEach(function (c, i) { if (c.id === beforeId) at = i; });
    state.cards.splice(at, 0, card);
    render();
  }

  $(function () {
    $.ajax({ url: 'board.json', dataType: 'json' }).done(function (data) {
      window.setTimeout(function () {
        state = data;
        $('#app').empty()
          .append(
            $('<div class="bar">')
              .append($('<h2 class="bar__title">').text(state.name + ' board'))
              .append('<input class="bar__search" type="search" placeholder="Search the board">')
          )
          .append('<main class="lanes"></main>')
          .append(
            '<aside class="drawer" role="dialog" aria-label="Card details" hidden>' +
              '<button class="drawer__close" type="button" aria-label="Close details">×</button>' +
              '<h4 class="drawer__title"></h4><dl class="drawer__meta"></dl></aside>'
          );
        render();
      }, 800);
    });

    $('#app')
      .on('input', '.bar__search', function () { query = this.value.toLowerCase(); render(); })
      .on('keyup', '.lane__new', function (e) {
        if (e.key === 'Enter' && this.value.trim()) {
          state.cards.push({ id: seq++, title: this.value.trim(), column: $(this).closest('.lane').attr('data-lane') });
          render();
        }
      })
      .on('dblclick', '.ticket', function () {
        var id = Number($(this).attr('data-ticket'));
        var card = state.cards.filter(function (c) { return c.id === id; })[0];
        $('.drawer__title').text(card.title);
        $('.drawer__meta').empty()
          .append('<dt>Lane</dt>').append($('<dd>').text(card.column))
          .append('<dt>Tag</dt>').append($('<dd>').text(card.tag || '—'));
        $('.drawer').prop('hidden', false);
      })
      .on('click', '.drawer__close', function () { $('.drawer').prop('hidden', true); })
      .on('click', '.ticket__trash', function () {
        var id = Number($(this).closest('.ticket').attr('data-ticket'));
        state.cards = state.cards.filter(function (c) { return c.id !== id; });
        render();
      })
      .on('dragstart', '.ticket', function (e) {
        e.originalEvent.dataTransfer.setData('text/plain', $(this).attr('data-ticket'));
      })
      .on('dragover', '.lane', function (e) { e.preventDefault(); $(this).addClass('lane--hover'); })
      .on('dragleave', '.lane', function () { $(this).removeClass('lane--hover'); })
      .on('drop', '.lane', function (e) {
        e.preventDefault();
        var over = $(e.target).closest('.ticket');
        relocate(
          Number(e.originalEvent.dataTransfer.getData('text/plain')),
          $(this).attr('data-lane'),
          over.length ? Number(over.attr('data-ticket')) : null
        );
      });
  });
})(jQuery);
