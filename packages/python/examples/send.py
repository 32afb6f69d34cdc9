import json
import os

from tiktok_offline_events import Destination

settings = json.load(open("examples/settings.json"))
records = open("examples/offline-events.ndjson").read().splitlines()  # dicts or JSON lines
tiktok = Destination(endpoint=os.environ.get("TIKTOK_ENDPOINT"))  # unset: TikTok itself
output = tiktok.transform(settings, records)
delivered = 0
for request in output.requests:
    sent = tiktok.send(settings, request)  # sent.deliveries: a Delivery per event
    delivered += sum(d.status == "delivered" for d in sent.deliveries)
print(f"{delivered} events delivered, {len(output.rejections)} rows rejected")
