# weir: one image for the app (`weir serve`), the pipelines (`weir …`) and the dashboard
# (`streamlit run`); the `jupyter` target adds JupyterLab for the data team.
#   docker compose build && docker compose up -d        (see docker-compose.yml)
# Dependencies come from uv.lock (`uv sync --frozen`): the image runs what the tests ran.

FROM python:3.11-slim AS app

ENV PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH="/app/.venv/bin:${PATH}" \
    WEIR_HOME=/data/weir

RUN pip install --no-cache-dir "uv==0.13.9" \
    && useradd --create-home --uid 1000 weir \
    && mkdir -p /data/weir /data/input \
    && chown -R weir /data

WORKDIR /app
# Dependencies first (cached while only the sources change), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project \
        --extra postgres --extra ui --extra aws --extra forecast --extra render
# hatch_build.py compiles the native telemetry flatten path; this slim image has no C compiler,
# so the build warns and telemetry flattens on the Python path (same rows, slower).
COPY hatch_build.py ./
COPY src ./src
RUN uv sync --frozen --no-dev \
        --extra postgres --extra ui --extra aws --extra forecast --extra render
COPY notebooks ./notebooks

USER weir
EXPOSE 8000 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/status', timeout=4)"]
CMD ["weir", "serve", "--host", "0.0.0.0", "--port", "8000"]


FROM app AS jupyter
USER root
# The dev group brings ipykernel, pandas and nbclient (locked); JupyterLab itself is the one
# package not in uv.lock (the server UI only: the notebook's code runs on the locked set).
RUN uv sync --frozen \
        --extra postgres --extra ui --extra aws --extra forecast --extra render \
    && uv pip install --python /app/.venv/bin/python "jupyterlab>=4.2,<5"
USER weir
EXPOSE 8888
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--notebook-dir=/app/notebooks"]
