"""OpenSearch / Elasticsearch as a target for vnsearch's analysis (export only today:
no cluster is needed to build, test or use vnsearch)."""
