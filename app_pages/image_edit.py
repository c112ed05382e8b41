"""Image editing: an uploaded (or gallery) image plus an instruction → before/after, download."""

from __future__ import annotations

import streamlit as st

from og_ui import funding, media, services, session

st.title("Image editing")
client = session.require_client()
svc = services.require(client, "image-editing", key="edit_provider", label="Image-editing provider")
can_pay = funding.gate(client, svc, key="edit")

gallery = st.session_state.get("img_gallery", [])
source = st.radio("Image", ["Upload", "From this session's gallery"], horizontal=True, key="edit_source",
                  disabled=not gallery)
image: bytes | None = None
name = "image.png"
if source == "Upload" or not gallery:
    up = st.file_uploader("Upload an image", type=media.IMAGE_TYPES, key="edit_upload")
    if up is not None:
        data = up.getvalue()
        problem = media.check_image(data)
        if problem:
            st.error(problem, icon=":material/broken_image:")
        else:
            image, name = data, up.name
    if not gallery:
        st.caption("Tip: images you generate on the Text-to-image page can be picked here too.")
else:
    idx = st.selectbox("Gallery image", range(len(gallery)), key="edit_gallery_pick",
                       format_func=lambda i: f"#{i + 1} {gallery[i]['prompt'][:50]}")
    image = gallery[idx]["png"]

instruction = st.text_input("Instruction", key="edit_prompt", placeholder="e.g. make it black and white")

if st.button("Apply edit", key="edit_run", type="primary", icon=":material/auto_fix_high:", disabled=not can_pay):
    if image is None:
        st.warning("Upload an image (or pick one from the gallery) first.", icon=":material/image:")
    elif not instruction.strip():
        st.warning("Say what to change: an empty instruction is not sent.", icon=":material/edit:")
    else:
        before = image
        result = media.run(client, svc, key="edit", spinner="Editing…", before=before, instruction=instruction,
                           call=lambda: client.edit_image(svc.provider, before, instruction, model=svc.model,
                                                          filename=name))
        if result is not None:
            st.session_state.setdefault("img_gallery", []).append(
                {"prompt": instruction, "png": result.images[0], "model": result.model, "kind": "edited"})

last = st.session_state.get("edit_last")
if last:
    r = last["result"]
    st.subheader(f"“{last['instruction']}”")
    b, a = st.columns(2)
    b.image(last["before"], caption="Before", width="stretch")
    a.image(r.images[0], caption="After", width="stretch")
    a.download_button("Download edited PNG", r.images[0], file_name="edited.png", mime="image/png",
                      key="edit_dl", icon=":material/download:")
    media.result_footer(last, tokens="1 image")
elif image is not None:
    st.image(image, caption="Before", width=320)
