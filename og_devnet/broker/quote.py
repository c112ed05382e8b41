"""The broker's `/v1/quote`: a dstack-shaped attestation report (docs/protocol.md and marketplace.md §6.4),
clearly marked simulated — no TEE hardware is involved — but internally consistent, so a client's checks
run end to end: report_data holds the TEE signer's address, sha256 of tcb_info.app_compose equals the
compose-hash event of the event log, and the compose file names the images.

What cannot be simulated honestly is left visibly fake: the quote is the hex of a text that says it is
simulated (no Intel signature), and the measurement registers are hashes of labels.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .config import ProviderConfig

SIMULATED_WARNING = "SIMULATED attestation from the offline 0G devnet; no TEE hardware is involved"
BROKER_IMAGE = "og-devnet/0g-serving-broker-simulated:local"
ENGINE_IMAGES = {"chatbot": "og-devnet/chat-engine:local", "text-to-image": "og-devnet/image-engine:local",
                 "image-editing": "og-devnet/edit-engine:local", "speech-to-text": "og-devnet/speech-engine:local"}
# The runtime events dstack records in RTMR3, in its order (marketplace.md §6.4).
_EVENTS = ("system-preparing", "app-id", "compose-hash", "instance-id", "boot-mr-done", "os-image-hash",
           "key-provider", "system-ready")


def _measure(label: str) -> str:
    """A 48-byte measurement register value (hex), from a label: visibly not a hardware measurement."""
    return hashlib.sha384(b"og-devnet simulated " + label.encode()).hexdigest()


def app_compose(cfg: ProviderConfig) -> str:
    """The app-compose JSON text the simulated TEE "runs": the broker and the provider's engine."""
    compose_file = (
        "services:\n"
        "  broker:\n"
        f"    image: {BROKER_IMAGE}\n"
        "    environment:\n"
        f"      - MODEL={cfg.model}\n"
        f"      - SERVICE_TYPE={cfg.service_type}\n"
        "  engine:\n"
        f"    image: {ENGINE_IMAGES[cfg.service_type]}\n")
    return json.dumps({
        "manifest_version": 2, "name": f"og-devnet-{cfg.name}", "runner": "docker-compose",
        "docker_compose_file": compose_file, "docker_config": {}, "kms_enabled": False,
        "gateway_enabled": False, "public_logs": True, "public_sysinfo": True, "public_tcbinfo": True,
        "local_key_provider_enabled": False, "key_provider_id": "", "allowed_envs": [],
        "no_instance_id": False, "secure_time": False, "pre_launch_script": ""}, separators=(",", ":"))


def simulated_quote(cfg: ProviderConfig) -> dict[str, Any]:
    """The report, as `GET /v1/quote` sends it (deterministic per provider)."""
    compose = app_compose(cfg)
    compose_hash = hashlib.sha256(compose.encode()).hexdigest()
    payloads = {"app-id": hashlib.sha256(f"og-devnet app {cfg.name}".encode()).hexdigest()[:40],
                "compose-hash": compose_hash,
                "instance-id": hashlib.sha256(f"og-devnet instance {cfg.name}".encode()).hexdigest()[:40],
                "os-image-hash": _measure("os image")[:64], "key-provider": "{\"name\":\"none\",\"id\":\"\"}"}
    events = [{"imr": 3, "event_type": 134217729, "event": name, "event_payload": payloads.get(name, ""),
               "digest": hashlib.sha384((name + ":" + payloads.get(name, "")).encode()).hexdigest()}
              for name in _EVENTS]
    tcb_info = {"mrtd": _measure("mrtd"), **{f"rtmr{i}": _measure(f"rtmr{i} {cfg.name}") for i in range(4)},
                "mr_aggregated": _measure(f"aggregated {cfg.name}")[:64], "os_image_hash": payloads["os-image-hash"],
                "compose_hash": compose_hash, "device_id": _measure("device")[:64], "event_log": events,
                "app_compose": compose}
    vm_config = {"spec_version": 1, "os_image_hash": payloads["os-image-hash"], "cpu_count": 1,
                 "memory_size": 2 * 1024**3, "qemu_single_pass_add_pages": False, "pic": False,
                 "pci_hole64_size": 0, "hugepages": False, "num_gpus": 0, "num_nvswitches": 0, "hotplug_off": True}
    report_data = cfg.tee_address.encode().ljust(64, b"\0")
    return {
        "simulated": True,
        "warning": SIMULATED_WARNING,
        "tee_type": "simulated",
        "signing_address": cfg.tee_address,
        "report_data": base64.b64encode(report_data).decode(),
        "quote": (b"SIMULATED TDX QUOTE (og-devnet, no hardware signature) " + report_data).hex(),
        "event_log": json.dumps(events, separators=(",", ":")),
        "tcb_info": json.dumps(tcb_info, separators=(",", ":")),
        "vm_config": json.dumps(vm_config, separators=(",", ":")),
        "provider": cfg.provider_address,
        "model": cfg.model,
    }
