#!/usr/bin/env python3
"""tantivy's Python bindings as Quotebot's first stage would use them (issue 16): start-up,
memory, and the time to find a question's best 12 sentences by BM25.

usage: pip install tantivy && python benchmarks/tantivy_recall.py CORPUS QUESTIONS

CORPUS and QUESTIONS as ``speed.py`` makes them (``benchmarks/data/corpus-100k.txt`` and its
``.questions.txt``), sentences split as ``baselines.py`` splits them. The index is tantivy's, in
memory, with its English stemmer, written by one thread. Each question: its words OR-ed by
tantivy's query parser (punctuation taken out), the top 12 hits' addresses, no document fetched.
Compare with ``stages.py``'s ranking (recall, candidates and features together) and with
``speed.py``'s ready time and peak memory.
"""

from __future__ import annotations

import re
import resource
import statistics
import sys
import time
from pathlib import Path

from baselines import read_sentences

PUNCTUATION = re.compile(r"[^\w\s]")


def main() -> int:
    corpus, questions_file = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    import tantivy  # timed: part of the start-up

    sentences = read_sentences(Path(corpus))
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    index = tantivy.Index(builder.build())
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for text in sentences:
        writer.add_document(tantivy.Document(body=text))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    ready = time.perf_counter() - start
    with open(questions_file, encoding="utf-8") as f:
        questions = [line.strip() for line in f if line.strip()][:320]
    times = []
    for question in questions:
        began = time.perf_counter_ns()
        query = index.parse_query(PUNCTUATION.sub(" ", question), ["body"])
        hits = [address for _, address in searcher.search(query, 12).hits]
        times.append(time.perf_counter_ns() - began)
        assert len(hits) <= 12
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000
    median = statistics.median(times[20:]) / 1000
    print(f"{len(sentences):,} sentences: ready in {ready:.2f} s (import, read, split, index), peak {peak:.0f} MB")
    print(f"recall only (top 12, no documents fetched): median {median:.1f} µs a question over {len(times) - 20}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
