"""The aiohttp layer: one route module per API area, registered by ``bridge.app.make_app``."""
