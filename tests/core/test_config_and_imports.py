import logging
import subprocess
import sys
import threading

from og_core import SecretStr, Settings
from og_core.sdk_io import sdk_output

KEY = "0x" + "42" * 32


def test_secret_never_shown():
    s = SecretStr(KEY)
    assert KEY not in repr(s) and KEY not in str(s) and KEY not in f"{s}" and s.get_secret_value() == KEY
    settings = Settings(private_key=s)
    assert KEY not in repr(settings)


def test_settings_from_env_and_dotenv(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text(f"OG_NETWORK=testnet\nPRIVATE_KEY={KEY}\nOG_RPC_URL=http://rpc.example\n")
    for name in ("OG_NETWORK", "PRIVATE_KEY", "OG_RPC_URL"):
        monkeypatch.delenv(name, raising=False)
    s = Settings.from_env(env)
    assert s.network == "testnet" and s.rpc_url == "http://rpc.example" and s.private_key.get_secret_value() == KEY
    monkeypatch.setenv("OG_NETWORK", "mainnet")
    assert Settings.from_env(env).network == "mainnet"  # the environment wins
    import os

    assert "PRIVATE_KEY" not in os.environ  # .env is read without exporting the key


NO_STREAMLIT = """
import importlib, json, pkgutil, sys
import og_core
from og_core import OgClient, Settings

names = [m.name for m in pkgutil.walk_packages(og_core.__path__, "og_core.")]
for name in names:
    importlib.import_module(name)
rpc_url, addresses = sys.argv[1], json.loads(sys.argv[2])
with OgClient("local", settings=Settings(), rpc_url=rpc_url, addresses=addresses) as client:
    client.services()
print(json.dumps({"imported": names, "streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")}))
"""


def test_og_core_imports_no_streamlit(devnet):
    """Every og_core module, and a client at work, in a fresh interpreter: no streamlit* module."""
    import json
    from pathlib import Path

    out = subprocess.run([sys.executable, "-c", NO_STREAMLIT, devnet.rpc_url, json.dumps(devnet.info["addresses"])],
                         capture_output=True, text=True, check=True, timeout=120)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    package = Path(__file__).resolve().parents[2] / "og_core"
    assert set(seen["imported"]) == {f"og_core.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    assert seen["streamlit"] == []


def test_sdk_output_captured_per_thread(caplog, capsys):
    seen = threading.Event()

    def other():
        print("other thread output")
        seen.set()

    with caplog.at_level(logging.INFO, logger="zerog_py_sdk.stdout"), sdk_output():
        print("sdk says hello")
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen.is_set()
    assert "sdk says hello" in caplog.text and "other thread output" not in caplog.text
    assert "other thread output" in capsys.readouterr().out
