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


def test_og_core_imports_no_streamlit():
    code = "import sys, og_core, og_core.client, og_core.discovery; print('streamlit' in sys.modules or any(m.startswith('streamlit.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


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
