// Sprint board: loads the cards, then draws the board (a moment after load, on purpose:
// the real one waits for the API). Cards move by HTML5 drag and drop.
$(function () {
  var board, nextId = 100;

  function draw() {
    var filter = ($('#filter').val() || '').toLowerCase();
    var $cols = $('<div class="columns"></div>');
    $.each(board.columns, function (_, name) {
      var cards = $.grep(board.cards, function (c) { return c.column === name; });
      var $col = $('<section class="column"></section>').attr('data-column', name);
      $col.append($('<h2></h2>').text(name + ' (' + cards.length + ')'));
      $.each(cards, function (_, card) {
        var $card = $('<div class="card" draggable="true"></div>').attr('data-id', card.id);
        $card.append($('<span class="title"></span>').text(card.title));
        $card.append('<button class="del" title="Delete">×</button>');
        if (filter && card.title.toLowerCase().indexOf(filter) < 0) $card.hide();
        $col.append($card);
      });
      $col.append('<input class="add-card" placeholder="Add a card">');
      $cols.append($col);
    });
    $('#board .columns').replaceWith($cols);
  }

  function move(id, column, beforeId) {
    var card = $.grep(board.cards, function (c) { return c.id === id; })[0];
    if (!card) return;
    board.cards = $.grep(board.cards, function (c) { return c.id !== id; });
    card.column = column;
    var at = board.cards.length;
    if (beforeId) {
      for (var i = 0; i < board.cards.length; i++) if (board.cards[i].id === beforeId) at = i;
    }
    board.cards.splice(at, 0, card);
    draw();
  }

  $.getJSON('board.json', function (data) {
    setTimeout(function () {
      board = data;
      $('#board').html(
        '<div id="topbar"><h1></h1><input id="filter" placeholder="Filter cards…"></div><div class="columns"></div>' +
          '<div id="card-details" class="modal" style="display:none"><div class="modal-box">' +
          '<h3></h3><p class="tag"></p><p class="where"></p><button class="close-modal">Close</button></div></div>'
      );
      $('#topbar h1').text(board.name);
      draw();
    }, 600);
  });

  $(document)
    .on('input', '#filter', draw)
    .on('keydown', '.add-card', function (e) {
      if (e.key !== 'Enter' || !this.value.trim()) return;
      board.cards.push({ id: nextId++, title: this.value.trim(), column: $(this).closest('.column').data('column') });
      draw();
    })
    .on('dblclick', '.card', function () {
      var id = $(this).data('id');
      var card = $.grep(board.cards, function (c) { return c.id === id; })[0];
      $('#card-details h3').text(card.title);
      $('#card-details .tag').text('Tag: ' + (card.tag || 'none'));
      $('#card-details .where').text('Column: ' + card.column);
      $('#card-details').show();
    })
    .on('click', '.close-modal', function () {
      $('#card-details').hide();
    })
    .on('click', '.card .del', function () {
      var id = $(this).closest('.card').data('id');
      board.cards = $.grep(board.cards, function (c) { return c.id !== id; });
      draw();
    })
    .on('dragstart', '.card', function (e) {
      e.originalEvent.dataTransfer.setData('text/plain', String($(this).data('id')));
    })
    .on('dragover', '.column', function (e) {
      e.preventDefault();
      $(this).addClass('over');
    })
    .on('dragleave', '.column', function () {
      $(this).removeClass('over');
    })
    .on('drop', '.column', function (e) {
      e.preventDefault();
      var id = Number(e.originalEvent.dataTransfer.getData('text/plain'));
      var $target = $(e.target).closest('.card');
      move(id, $(this).data('column'), $target.length ? $target.data('id') : null);
    });
});
