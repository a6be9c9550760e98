"""The settings pages people use in a browser: signing in, API keys, webhooks.

Server-rendered (Jinja2, autoescaped), working without JavaScript, every asset served by calapi.
The pages sit at the top with the API routers: they parse a form, call one service, render.
"""
