"""A posted form, read on the event loop before a sync handler runs in the thread pool.

Reading a request's body needs `await`; a handler that awaited it and then went on to the database
or Redis (sync calls) held the process's event loop for as long as they took, and every other request
of the process waited: pings, webhooks, reports. So a handler that needs its form takes it as this
dependency and is a plain `def`, which FastAPI runs in its thread pool, as the Twilio webhooks do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData


async def posted_form(request: Request) -> FormData:
    return await request.form()


async def posted_body(request: Request) -> bytes:
    return await request.body()


PostedForm = Annotated[FormData, Depends(posted_form)]
PostedBody = Annotated[bytes, Depends(posted_body)]
