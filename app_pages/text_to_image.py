"""Text-to-image: prompt → images, with per-image download, cost, verification and a session gallery."""

from __future__ import annotations

import streamlit as st

from og_ui import costs, funding, media, services, session
from og_ui.exports import download_name
from og_ui.widgets import count_text

SIZES = ["256x256", "512x512", "1024x1024"]  # the OpenAI image API sizes (the local engine takes exactly these)

st.title("Text-to-image")
client = session.require_client()
svc = services.require(client, "text-to-image", key="img_provider", label="Image provider")
media.local_note(client, "text-to-image")
can_pay = funding.gate(client, svc, key="img")

prompt = st.text_area("Prompt", key="img_prompt", placeholder="e.g. a lighthouse at dusk, watercolor")
c1, c2, c3 = st.columns(3)
size = c1.selectbox("Size", SIZES, index=1, key="img_size")
count = c2.number_input("Images", 1, 4, 1, key="img_count")
seed = c3.number_input("Seed (0 = random)", 0, 2**31 - 1, 0, key="img_seed")
st.caption(costs.media_estimate_text(svc, int(count)))


def _keep_in_gallery(record: dict) -> None:
    media.add_to_gallery(client, record["result"].images, prompt=record["prompt"], model=record["result"].model,
                         kind="generated")


running = media.busy("img")
if st.button("Generate", key="img_run", type="primary", icon=":material/brush:", disabled=not can_pay or running,
             help="Generating… the result appears below." if running else None):
    if not prompt.strip():
        st.warning("Describe the picture first: an empty prompt is not sent.", icon=":material/edit:")
    else:
        extra = {"seed": int(seed)} if seed else {}
        n, chosen_size = int(count), size
        media.start(client, svc, key="img", label=f"Generating {count_text(n, 'image')}…", prompt=prompt,
                    on_done=_keep_in_gallery,
                    call=lambda: client.generate_images(svc.provider, prompt, n=n, size=chosen_size,
                                                        model=svc.model, **extra))
last = media.outcome("img")
if last:
    r = last["result"]
    st.subheader("Result")
    cols = st.columns(max(2, min(len(r.images), 4)))  # one image fills half the width, not all of it
    for i, png in enumerate(r.images):
        with cols[i % len(cols)]:
            st.image(png, caption=f"{last['prompt'][:60]} #{i + 1}", width="stretch")
            name = download_name(r.model, last["prompt"], last.get("finished_at"), "png",
                                 n=i + 1 if len(r.images) > 1 else None)
            st.download_button("Download PNG", png, file_name=name, mime="image/png",
                               key=f"img_dl_{i}", icon=":material/download:")
    media.result_footer(last, svc=svc, tokens=count_text(len(r.images), "image"))
else:
    st.info("Write a prompt and press Generate. Each image is billed at the provider's per-image price.",
            icon=":material/image:")

media.show_gallery(client)
