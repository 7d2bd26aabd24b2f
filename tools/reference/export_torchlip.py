"""Export a deel-torchlip model for @lipnet/interop's loadTorchlipModel: weights to safetensors, layers to JSON.

Usage as a library (torch venv, see setup_torch.sh):

    from export_torchlip import export_torchlip
    export_torchlip(model, input_shape=(1, 28, 28), path="model")   # writes model.safetensors + model.json

`model` is a deel.torchlip Sequential (or torch.nn.Sequential) of the modules loadTorchlipModel knows (see
SUPPORTED); `input_shape` is one input without the batch axis, channels first (C, H, W), (C, L) or (F,).

model.safetensors holds the state dict as saved by torch (`<i>.bias`, `<i>.parametrizations.weight.original`,
the power-iteration buffers `<i>.parametrizations.weight.0._u` / `._v`, Björck's cached `_w_bjorck`), plus, for
each parametrised module, `<i>.weight`: the weight its forward pass uses in eval mode (the product of its
parametrizations: spectral norm, Björck, conv coefficient, k), so that the loader reproduces the logits without
re-implementing torchlip's normalisers. model.json lists the layers in order with their options and their input
shape (channels first, no batch axis): {"format": "lipnet-torchlip/1", "torch": …, "deelTorchlip": …,
"inputShape": [...], "layers": [{"name": "0", "type": "SpectralConv2d", "inputShape": [...], …}]}.
"""
import json

import deel.torchlip as tl
import torch
from safetensors.torch import save_file

SUPPORTED = (
    "SpectralLinear FrobeniusLinear SpectralConv2d FrobeniusConv2d SpectralConv1d SpectralConvTranspose2d GroupSort "
    "GroupSort2 FullSort MaxMin ScaledL2NormPool2d ScaledAvgPool2d Flatten"
).split()


def _pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def _options(m):
    """The options of one module that the loader needs, by class."""
    cls = type(m).__name__.replace("Parametrized", "")
    opt = {"type": cls}
    if cls in ("SpectralLinear", "FrobeniusLinear"):
        opt.update(inFeatures=m.in_features, outFeatures=m.out_features, bias=m.bias is not None)
        if cls == "FrobeniusLinear":
            opt["disjointNeurons"] = m.parametrizations.weight[0].dim_norm == 1
    elif cls in ("SpectralConv2d", "FrobeniusConv2d", "SpectralConv1d"):
        # torchlip's PadConv keeps the user's padding in old_padding(_mode): for 'symmetric' it hands torch
        # padding='valid' and pads itself (and turns a one-pixel 'symmetric' into 'replicate', the same map).
        pad = getattr(m, "old_padding", m.padding)
        one = cls == "SpectralConv1d"
        size = (lambda v: int(v[0]) if isinstance(v, (tuple, list)) else int(v)) if one else _pair
        opt.update(
            inChannels=m.in_channels,
            outChannels=m.out_channels,
            kernelSize=size(m.kernel_size),
            stride=size(m.stride),
            padding=pad if isinstance(pad, str) else size(pad),
            paddingMode=getattr(m, "old_padding_mode", m.padding_mode),
            dilation=size(m.dilation),
            groups=m.groups,
            bias=m.bias is not None,
        )
    elif cls == "SpectralConvTranspose2d":
        opt.update(
            inChannels=m.in_channels,
            outChannels=m.out_channels,
            kernelSize=_pair(m.kernel_size),
            stride=_pair(m.stride),
            padding=_pair(m.padding),
            outputPadding=_pair(m.output_padding),
            paddingMode=m.padding_mode,
            dilation=_pair(m.dilation),
            groups=m.groups,
            bias=m.bias is not None,
        )
    elif cls in ("GroupSort", "GroupSort2", "FullSort"):
        opt.update(groupSize=getattr(m, "group_size", None))
    elif cls in ("ScaledL2NormPool2d", "ScaledAvgPool2d"):
        opt.update(kernelSize=_pair(m.kernel_size), stride=_pair(m.stride or m.kernel_size), padding=_pair(getattr(m, "padding", 0)), ceilMode=m.ceil_mode)
    elif cls == "Flatten":
        opt.update(startDim=m.start_dim, endDim=m.end_dim)
    elif cls != "MaxMin":
        raise ValueError(f"export_torchlip: module {cls} is not supported; supported: {', '.join(SUPPORTED)}")
    if hasattr(m, "_coefficient_lip"):
        opt["kCoefLip"] = float(m._coefficient_lip)
    return opt


def export_torchlip(model, input_shape, path):
    """Writes <path>.safetensors and <path>.json for `model` (a Sequential); returns the architecture dict."""
    model.eval()
    layers, tensors = [], {}
    x = torch.zeros((1, *input_shape))
    with torch.no_grad():
        for name, m in model.named_children():
            layer = {"name": name, "inputShape": list(x.shape[1:]), **_options(m)}
            layers.append(layer)
            if hasattr(m, "parametrizations"):
                tensors[f"{name}.weight"] = m.weight.detach().clone()
            x = m(x)
    for k, v in model.state_dict().items():
        tensors[k] = v.detach().clone().contiguous()
    arch = {
        "format": "lipnet-torchlip/1",
        "torch": torch.__version__,
        "deelTorchlip": getattr(tl, "__version__", "1.0.5"),
        "inputShape": list(input_shape),
        "layers": layers,
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, path + ".safetensors")
    with open(path + ".json", "w") as fh:
        json.dump(arch, fh, indent=1)
    return arch
