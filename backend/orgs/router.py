from fastapi import APIRouter

router = APIRouter(prefix="/api/orgs", tags=["orgs"])
