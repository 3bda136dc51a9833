"""The event channel: the writer appends whole JSON lines, the reader tails them."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from backend.execution import channel
from backend.execution.channel import EventReader, EventType, EventWriter


def _write_many(path: str, worker: int) -> None:
    writer = EventWriter(path)
    for number in range(200):
        writer.emit("output", worker=worker, number=number, line="x" * 2000)
    writer.close()


def test_reader_sees_complete_lines_only_and_continues_where_it_stopped(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    reader = EventReader(path)
    assert reader.read_new() == []  # no file yet

    EventWriter(path).emit("test_started", nodeid="t.py::a")
    with path.open("a") as handle:
        handle.write('{"v": 1, "type": "test_fini')  # a line still being written
    first = reader.read_new()
    with path.open("a") as handle:
        handle.write('shed", "ts": 1.5, "data": {"nodeid": "t.py::a"}}\n')
    second = reader.read_new()

    assert [(event.type, event.data) for event in first] == [
        (EventType.TEST_STARTED, {"nodeid": "t.py::a"})
    ]
    assert [(event.type, event.ts) for event in second] == [(EventType.TEST_FINISHED, 1.5)]
    assert reader.rejected == 0


def test_invalid_lines_are_counted_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('not json\n{"type": "nope"}\n[1]\n{"type": "step", "data": 3}\n\n')
    EventWriter(path).emit("step", instruction="click")

    reader = EventReader(path)
    events = reader.read_new()

    assert [event.data for event in events] == [{"instruction": "click"}]
    assert reader.rejected == 4


def test_writer_refuses_unknown_types_and_huge_events(tmp_path: Path) -> None:
    writer = EventWriter(tmp_path / "events.jsonl")

    with pytest.raises(ValueError, match="unknown event type"):
        writer.emit("test_exploded")
    with pytest.raises(ValueError, match="limit"):
        writer.emit("output", line="x" * channel.MAX_EVENT_BYTES)


def test_module_emit_is_a_no_op_outside_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(channel.EVENTS_ENV, raising=False)
    assert channel.emit("session_started") is False

    path = tmp_path / "events.jsonl"
    monkeypatch.setenv(channel.EVENTS_ENV, str(path))
    assert channel.emit("session_started", worker="gw0") is True
    assert [event.data for event in EventReader(path).read_new()] == [{"worker": "gw0"}]


def test_concurrent_processes_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(str(path), n)) for n in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join()

    reader = EventReader(path)
    events = reader.read_new(final=True)

    assert reader.rejected == 0
    assert len(events) == 800
    assert {event.pid for event in events} == {process.pid for process in workers}
    for worker in range(4):
        numbers = [event.data["number"] for event in events if event.data["worker"] == worker]
        assert numbers == list(range(200))
    assert os.stat(path).st_mode & 0o777 == 0o600
