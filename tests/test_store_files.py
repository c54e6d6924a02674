"""Index files are read without mmap: a reader dropped unclosed must not leak them."""

import gc
import warnings

from indexer.backends.whoosh import store


def test_a_dropped_reader_closes_its_files_quietly(core_index):
    ix = store.open_index(core_index.path("index"))
    reader = ix.reader()
    assert reader.doc_count() > 200
    del reader  # never closed: its segment files are closed when it is collected
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], caught


def test_a_closed_searcher_holds_no_segment_file(core_index):
    import os

    from indexer.search.engine import SearchEngine

    def open_segments() -> int:
        fd_dir = f"/proc/{os.getpid()}/fd"
        n = 0
        for fd in os.listdir(fd_dir):
            try:
                n += os.readlink(os.path.join(fd_dir, fd)).endswith(".seg")
            except OSError:
                pass
        return n

    before = open_segments()
    engine = SearchEngine(core_index)
    engine.searcher()
    assert open_segments() > before
    engine.close()
    assert open_segments() == before
