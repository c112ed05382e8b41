"""Image editing: an uploaded (or gallery) image plus an instruction → before/after, download."""

from __future__ import annotations

import streamlit as st

from og_ui import costs, funding, media, services, session
from og_ui.exports import download_name
from og_ui.inert import inert

st.title("Image editing")
client = session.require_client()
svc = services.require(client, "image-editing", key="edit_provider", label="Image-editing provider")
media.local_note(client, "image-editing")
can_pay = funding.gate(client, svc, key="edit")

gallery = media.gallery(client)
source = st.radio("Image", ["Upload", "From the gallery"], horizontal=True, key="edit_source",
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
            st.image(image, caption=f"To edit: {name}", width=240)
    if not gallery:
        st.caption("Tip: images you generate on the Text-to-image page can be picked here too.")
else:
    by_id = {item["id"]: item for item in reversed(gallery)}  # newest first
    if st.session_state.get("edit_gallery_pick") not in by_id:
        st.session_state.pop("edit_gallery_pick", None)  # that image left the gallery (only the newest are kept)
    pick = st.selectbox("Gallery image", list(by_id), key="edit_gallery_pick",
                        format_func=lambda i: media.gallery_label(by_id[i]))
    item = by_id[pick]
    image, name = item["png"], f"{item['kind']}-{item['id']}.png"
    # Always previewed here, so the picked image is visible even below an earlier result.
    st.image(image, caption=f"To edit: {media.gallery_label(item)}", width=240)
    st.download_button("Download this image", image, file_name=media.gallery_file_name(item), mime="image/png",
                       key="edit_pick_dl",
                       icon=":material/download:")

instruction = st.text_input("Instruction", key="edit_prompt", placeholder="e.g. make it black and white")
st.caption(costs.media_estimate_text(svc, 1))


def _keep_in_gallery(record: dict) -> None:
    media.add_to_gallery(client, record["result"].images[:1], prompt=record["instruction"],
                         model=record["result"].model, kind="edited")


running = media.busy("edit")
if st.button("Apply edit", key="edit_run", type="primary", icon=":material/auto_fix_high:",
             disabled=not can_pay or running, help="Editing… the result appears below." if running else None):
    if image is None:
        st.warning("Upload an image (or pick one from the gallery) first.", icon=":material/image:")
    elif not instruction.strip():
        st.warning("Say what to change: an empty instruction is not sent.", icon=":material/edit:")
    else:
        before, filename = image, name
        media.start(client, svc, key="edit", label="Editing…", before=before, instruction=instruction,
                    on_done=_keep_in_gallery,
                    call=lambda: client.edit_image(svc.provider, before, instruction, model=svc.model,
                                                   filename=filename))
last = media.outcome("edit")
if last:
    r = last["result"]
    st.subheader(f"“{inert(last['instruction'])}”", anchor=False)
    b, a = st.columns(2)
    b.image(last["before"], caption="Before", width="stretch")
    a.image(r.images[0], caption="After", width="stretch")
    a.download_button("Download edited PNG", r.images[0], mime="image/png",
                      file_name=download_name(r.model, f"edited {last['instruction']}", last.get("finished_at"), "png"),
                      key="edit_dl", icon=":material/download:")
    media.result_footer(last, svc=svc, tokens="1 image")
