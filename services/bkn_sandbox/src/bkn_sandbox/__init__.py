"""The BKN sandbox: an HTTP server that behaves like BKN's e-Kinerja and SIASN as far as they are known.

Development and tests only. bkn_sync reaches it through its one BKN adapter; pointing that adapter at the real
endpoint is a change of settings. Run: `uvicorn bkn_sandbox.main:create_app --factory --port 8090`.
"""
